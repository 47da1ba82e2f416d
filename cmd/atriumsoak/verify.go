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

// verifyWrites checks every write against the database: each acknowledged creation
// is there, and each campaign that was renamed carries the name of its last
// acknowledged rename, or of a later one whose answer was lost.
func verifyWrites(ctx context.Context, pool *pgxpool.Pool, perUser [][]writeAttempt) (writeCheck, error) {
	var out writeCheck
	campaigns := map[int64]string{}
	campaignNames := map[string]bool{}
	rows, err := pool.Query(ctx, `SELECT c.id, c.name FROM campaigns c JOIN accounts a ON a.id = c.account_id WHERE a.slug LIKE 'soak-%'`)
	if err != nil {
		return out, err
	}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return out, err
		}
		campaigns[id] = name
		campaignNames[name] = true
	}
	if err := rows.Err(); err != nil {
		return out, err
	}
	lists := map[string]bool{}
	rows, err = pool.Query(ctx, `SELECT l.name FROM lists l JOIN accounts a ON a.id = l.account_id WHERE a.slug LIKE 'soak-%'`)
	if err != nil {
		return out, err
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return out, err
		}
		lists[name] = true
	}
	if err := rows.Err(); err != nil {
		return out, err
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
				if w.acked && !lists[w.name] {
					out.lost = append(out.lost, fmt.Sprintf("list %q created with %s", w.name, w.account))
				} else if !w.acked && lists[w.name] {
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
	return out, nil
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
