package main

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5/pgxpool"
)

// writeCheck is what the database holds of the load's writes.
type writeCheck struct {
	acked, unacked int // attempts acknowledged, and not (refused during the outage, cut short)
	// committedUnacked are writes never acknowledged that are in the database all the
	// same (committed, then the answer was lost); allowed, counted for information.
	committedUnacked int
	lost             []string // acknowledged writes missing from the database: must be none
}

// verifyWrites checks every write against the database (see checkWrites).
func verifyWrites(ctx context.Context, pool *pgxpool.Pool, perUser [][]writeAttempt) (writeCheck, error) {
	campaigns, err := namesByID(ctx, pool, `SELECT c.id, c.name FROM campaigns c JOIN accounts a ON a.id = c.account_id WHERE a.slug LIKE 'soak-%'`)
	if err != nil {
		return writeCheck{}, err
	}
	lists, err := namesByID(ctx, pool, `SELECT l.id, l.name FROM lists l JOIN accounts a ON a.id = l.account_id WHERE a.slug LIKE 'soak-%'`)
	if err != nil {
		return writeCheck{}, err
	}
	return checkWrites(campaigns, lists, perUser), nil
}

// namesByID runs query, which selects an id and a name, and returns the names by id.
func namesByID(ctx context.Context, pool *pgxpool.Pool, query string) (map[int64]string, error) {
	rows, err := pool.Query(ctx, query)
	if err != nil {
		return nil, err
	}
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		out[id] = name
	}
	return out, rows.Err()
}

// checkWrites checks every write against the campaigns and lists in the database (by
// id): each acknowledged creation is there, under the id its redirect named (a list
// under its name too: lists are never renamed), and each campaign that was renamed
// carries the name of its last acknowledged rename, or of a later one whose answer
// was lost. Writes never acknowledged are found by name.
func checkWrites(campaigns, lists map[int64]string, perUser [][]writeAttempt) writeCheck {
	var out writeCheck
	campaignNames, listNames := map[string]bool{}, map[string]bool{}
	for _, name := range campaigns {
		campaignNames[name] = true
	}
	for _, name := range lists {
		listNames[name] = true
	}

	// Renames of each campaign, in the order they were sent (one user renames only
	// its own campaigns, one request at a time).
	renames := map[int64][]writeAttempt{}
	created := map[int64]string{}
	for _, writes := range perUser {
		for _, w := range writes {
			if w.acked {
				out.acked++
			} else {
				out.unacked++
			}
			switch w.kind {
			case "campaign":
				if w.acked {
					if _, ok := campaigns[w.id]; !ok || w.id == 0 {
						out.lost = append(out.lost, fmt.Sprintf("campaign %q (id %d) created with %s", w.name, w.id, w.account))
					}
					created[w.id] = w.name
				} else if campaignNames[w.name] {
					out.committedUnacked++
				}
			case "list":
				if got, ok := lists[w.id]; w.acked && (!ok || w.id == 0 || got != w.name) {
					out.lost = append(out.lost, fmt.Sprintf("list %q (id %d) created with %s", w.name, w.id, w.account))
				} else if !w.acked && listNames[w.name] {
					out.committedUnacked++
				}
			case "rename":
				renames[w.id] = append(renames[w.id], w)
			}
		}
	}
	for id, rs := range renames {
		allowed := allowedNames(created[id], rs)
		got := campaigns[id]
		if !slices.Contains(allowed, got) {
			out.lost = append(out.lost, fmt.Sprintf("campaign %d is called %q, want one of %q", id, got, allowed))
		}
		for _, r := range rs {
			if !r.acked && got == r.name {
				out.committedUnacked++
			}
		}
	}
	return out
}

// allowedNames are the names a campaign created as created may carry after renames rs
// (in the order sent): that of the last acknowledged rename (or its creation's when
// none was acknowledged), or that of any later rename whose answer was lost, since it
// may have committed.
func allowedNames(created string, rs []writeAttempt) []string {
	last := -1
	for i, r := range rs {
		if r.acked {
			last = i
		}
	}
	allowed := []string{created}
	if last >= 0 {
		allowed = []string{rs[last].name}
	}
	for _, r := range rs[last+1:] {
		allowed = append(allowed, r.name)
	}
	return allowed
}
