"""Logic over the model's conditions: the compiler that puts a pathway's rules in the form the
engines run, the finite fact space that decides every rule, and its partition by the rules' own
comparisons (gaps, overlaps and dead rules without enumerating every patient)."""
