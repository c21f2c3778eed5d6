package postgres

import "strings"

// searchCondition is the one condition both worker lists (the API's
// Workers and the console's WorkerList) use for a search by part of a
// name, kana or email: the stored lower-cased column workers.search
// (migration 00060) LIKE the lower-cased query, its LIKE metacharacters
// (% _ \) taken literally. arg binds a value and returns its placeholder.
//
// A query of three characters or more is answered from the trigram index
// workers_search. A query of one or two characters has no trigram: the
// planner then reads the table (or the applied_at order until the page is
// full), still correct and, over the stored column, a few milliseconds
// for 12,000 workers — cheaper than refusing 2-character Japanese names
// (山田, 佐藤), which staff search for most.
func searchCondition(q string, arg func(any) string) string {
	return "w.search LIKE lower(" + arg("%"+escapeLike(q)+"%") + ")"
}

// escapeLike makes the LIKE metacharacters in s literal (backslash is the
// default escape character).
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
