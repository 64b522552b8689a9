"""Multiple-choice rows at ingest: the options as a list, the answer letter, and the answer VALUE.

Sources write a multiple-choice answer in three ways; all end the same in the catalog (``problems.choices``
= the options in order, ``answer_letter`` = 'A'..'Z', ``answer`` = the option's text):

- a letter column and the value (the dev set: ``answer_letter: "C"``, ``answer: "30"``): both kept; when
  the value is not the lettered option the row is rejected (``answer_letter_mismatch``): one of the two
  is wrong and redstar cannot tell which;
- a letter column and no value: the value is the lettered option;
- only an answer: a letter (``"C"`` or ``"(C)"``) that is not itself one of the options becomes the letter
  and the option its value; an answer equal to an option gets that option's letter.

A letter that is not A-Z, or names an option the row does not have, is ``invalid_answer_letter``. Options
and answers compare after trimming spaces at the ends, nothing more (``"8"`` is not ``"8.0"``).
"""

from __future__ import annotations

# one row per stage row with choices or a letter: the resolved letter and answer, or a reject reason
RESOLVE_SQL = r"""
SELECT row_number,
       CASE WHEN bad THEN NULL ELSE letter END AS letter,
       CASE WHEN NOT bad AND letter IS NOT NULL AND ch IS NOT NULL AND (answer IS NULL OR ans_is_letter)
            THEN ch[ascii(letter) - 64] ELSE answer END AS answer,
       CASE WHEN bad THEN 'invalid_answer_letter'
            WHEN l0 IS NOT NULL AND ch IS NOT NULL AND answer IS NOT NULL
                 AND CASE WHEN ans_is_letter THEN ans_letter <> letter ELSE trim(answer) <> tch[ascii(letter) - 64] END
            THEN 'answer_letter_mismatch' END AS reason,
       CASE WHEN l0 IS NOT NULL THEN $letter_field ELSE $answer_field END AS field,
       CASE WHEN bad THEN 'answer letter ' || coalesce(l0, answer) || ' is not one of A-'
                          || chr((64 + least(coalesce(len(ch), 26), 26))::INTEGER)
            ELSE 'answer ' || answer || ' is not option ' || letter || ' (' || coalesce(ch[ascii(letter) - 64], '') || ')'
       END AS detail
FROM (
    SELECT *, letter IS NOT NULL AND (NOT regexp_full_match(letter, '[A-Z]')
                                      OR (ch IS NOT NULL AND ascii(letter) - 64 > len(ch))) AS bad
    FROM (
        SELECT *, coalesce(l0, CASE WHEN ch IS NULL OR answer IS NULL THEN NULL
                                    WHEN pos IS NOT NULL THEN chr((64 + pos)::INTEGER) ELSE ans_letter END) AS letter,
               ans_letter IS NOT NULL AND pos IS NULL AS ans_is_letter
        FROM (
            SELECT *, list_position(tch, trim(answer)) AS pos,
                   CASE WHEN regexp_full_match(trim(answer), '\(?[A-Z]\)?') THEN regexp_extract(answer, '[A-Z]')
                   END AS ans_letter,
                   CASE WHEN regexp_full_match(upper(trim(answer_letter)), '\(?[A-Z][).]?')
                        THEN regexp_extract(upper(answer_letter), '[A-Z]') ELSE answer_letter END AS l0
            FROM (SELECT row_number, answer, answer_letter, ch, list_transform(ch, lambda x: trim(x)) AS tch
                  FROM (SELECT row_number, answer, answer_letter, from_json(choices, '["VARCHAR"]') AS ch
                        FROM __rs_stage WHERE reason IS NULL AND (choices IS NOT NULL OR answer_letter IS NOT NULL)))
        )
    )
)
"""
