// Migration 3: a guard the group write calls, so a lost race aborts the transaction inside the
// statement that found it, and a COMMIT sent in the same round trip never runs (transaction.ts).
export const name = 'expected-rows guard';

export const sql = `
-- Raises serialization_failure (40001, which the store retries) when a write matched fewer rows
-- than it changes: another transaction changed one since this one read it.
CREATE FUNCTION tc_expect_rows(what text, expected int, matched int) RETURNS int LANGUAGE plpgsql AS $fn$
BEGIN
  IF matched <> expected THEN
    RAISE EXCEPTION '% changed concurrently (% of % rows matched)', what, matched, expected USING ERRCODE = 'serialization_failure';
  END IF;
  RETURN matched;
END
$fn$;
`;
