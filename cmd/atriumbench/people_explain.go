package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"atrium/internal/store"
)

// largeTables are the tables a page query must not read sequentially once an
// organisation has 100,000 users.
var largeTables = []string{"users", "memberships", "organisation_members", "accounts"}

// sqlCapture is a pgx QueryTracer that records the SQL text and arguments of every
// query run on its pool, so the bench explains exactly what the store runs.
type sqlCapture struct {
	mu      sync.Mutex
	queries []capturedQuery
}

type capturedQuery struct {
	sql       string
	args      []any
	mode      *pgx.QueryExecMode // when the call chose one
	rewritten bool               // a QueryRewriter (named arguments) changes the SQL: not explained as is
}

func (c *sqlCapture) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	c.mu.Lock()
	defer c.mu.Unlock()
	q := capturedQuery{sql: d.SQL}
	args := d.Args
	// Leading query options, as pgx reads them, are not parameters.
options:
	for len(args) > 0 {
		switch a := args[0].(type) {
		case pgx.QueryExecMode:
			q.mode = &a
		case pgx.QueryResultFormats, pgx.QueryResultFormatsByOID:
		case pgx.QueryRewriter:
			q.rewritten = true
		default:
			break options
		}
		args = args[1:]
	}
	q.args = slices.Clone(args)
	c.queries = append(c.queries, q)
	return ctx
}

func (c *sqlCapture) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (c *sqlCapture) take() []capturedQuery {
	c.mu.Lock()
	defer c.mu.Unlock()
	q := c.queries
	c.queries = nil
	return q
}

// planCase is one store call whose SQL is explained.
type planCase struct {
	label string
	call  func(ctx context.Context, st *store.Store) error
}

// planFigures are what one EXPLAIN ANALYZE found.
type planFigures struct {
	planning, execution float64 // ms
	rows                int64   // rows returned
	hit, read           int64   // shared buffers of the whole plan
	seqScans            []string
	indexes             []string
	tree                []string
}

// planReport is one explained query: its custom plan (EXPLAIN with the arguments, as
// the first executions of a prepared statement get), and the plan the statement cache
// settles on after repeated executions, which the server runs from then on.
type planReport struct {
	label   string
	sql     string
	args    []any
	custom  planFigures
	cached  planFigures
	generic bool   // the cached plan is the generic one
	cacheOK bool   // the cached plan could be examined
	mode    string // the query's own pgx exec mode, when not the cached statement
}

// seqScans are the large tables any examined plan reads sequentially.
func (p planReport) seqScans() []string {
	s := slices.Clone(p.custom.seqScans)
	if p.cacheOK {
		s = append(s, p.cached.seqScans...)
	}
	slices.Sort(s)
	return slices.Compact(s)
}

// planRows adds to the final table a row for each examined plan (its execution time,
// that of the generic plan the statement cache settled on, the large tables it reads
// sequentially) and, when there are plans, the verdict over them all: seq, the
// sequential scans of large tables, must be none.
func planRows(row func(cols ...string), plans []planReport, seq []string) {
	for _, pl := range plans {
		v := fmt.Sprintf("%.2fms exec", pl.custom.execution)
		if pl.cacheOK && pl.generic {
			v += fmt.Sprintf("; generic plan %.2fms", pl.cached.execution)
		}
		s := "no seq scan"
		if ss := pl.seqScans(); len(ss) > 0 {
			s = "seq scan: " + strings.Join(ss, ", ")
		}
		row("  EXPLAIN "+pl.label, v+", "+s, "", "")
	}
	if len(plans) > 0 {
		v := "none"
		if len(seq) > 0 {
			v = strings.Join(slices.Compact(seq), ", ")
		}
		row("  no seq scan of large tables", v, "none", verdict(len(seq) == 0))
	}
}

// explainPeople captures the SQL of each case through a traced pool and explains it
// on a plain connection of pool.
func explainPeople(ctx context.Context, url string, pool *pgxpool.Pool, cases []planCase) ([]planReport, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = benchAppName
	capture := &sqlCapture{}
	cfg.ConnConfig.Tracer = capture
	cfg.MaxConns = 1
	traced, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer traced.Close()
	st := store.New(traced)

	pc, err := pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	// The prepared statements made below stay on this connection: take it out of the
	// pool and close it afterwards.
	conn := pc.Hijack()
	defer conn.Close(context.Background())

	var out []planReport
	for _, c := range cases {
		capture.take()
		if err := c.call(ctx, st); err != nil {
			return out, fmt.Errorf("%s: %w", c.label, err)
		}
		qs := capture.take()
		if len(qs) != 1 {
			return out, fmt.Errorf("%s: the store ran %d queries, want 1", c.label, len(qs))
		}
		if qs[0].rewritten {
			return out, fmt.Errorf("%s: the query uses a QueryRewriter; its SQL cannot be explained as captured", c.label)
		}
		r := planReport{label: c.label, sql: qs[0].sql, args: qs[0].args}
		if m := qs[0].mode; m != nil && *m != pgx.QueryExecModeCacheStatement {
			r.mode = m.String()
		}
		if r.custom, err = explainJSON(ctx, conn, "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) "+r.sql, r.args...); err != nil {
			return out, fmt.Errorf("%s: explain: %w", c.label, err)
		}
		if r.mode != "" {
			// Not a cached named statement: PostgreSQL plans it with the arguments on
			// every execution, so the custom plan is the one the server runs.
			r.cached, r.cacheOK = r.custom, true
		} else if err := cachedPlan(ctx, conn, &r); err != nil {
			return out, fmt.Errorf("%s: cached plan: %w", c.label, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// cachedPlan runs the statement the way the server's pgx pool does (a prepared
// statement, cached per connection) enough times for PostgreSQL's plan cache to choose
// between a custom and a generic plan, then explains an EXECUTE of that statement,
// which goes through the same choice.
func cachedPlan(ctx context.Context, conn *pgx.Conn, r *planReport) error {
	lits := make([]string, len(r.args))
	for i, a := range r.args {
		l, ok := sqlLiteral(a)
		if !ok {
			return nil // cannot spell the argument: leave the cached plan unexamined
		}
		lits[i] = l
	}
	for range 6 {
		if _, err := conn.Exec(ctx, r.sql, r.args...); err != nil {
			return err
		}
	}
	var name string
	var generic0, custom0 int64
	err := conn.QueryRow(ctx, `SELECT name, generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = $1`, r.sql).
		Scan(&name, &generic0, &custom0)
	if err != nil {
		return fmt.Errorf("prepared statement not found: %w", err)
	}
	exec := "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE " + pgx.Identifier{name}.Sanitize()
	if len(lits) > 0 {
		exec += "(" + strings.Join(lits, ", ") + ")"
	}
	if r.cached, err = explainJSON(ctx, conn, exec); err != nil {
		return err
	}
	var generic1 int64
	if err := conn.QueryRow(ctx, `SELECT generic_plans FROM pg_prepared_statements WHERE name = $1`, name).Scan(&generic1); err != nil {
		return err
	}
	r.generic, r.cacheOK = generic1 > generic0, true
	return nil
}

// sqlLiteral spells a query argument as an SQL literal.
func sqlLiteral(a any) (string, bool) {
	switch v := a.(type) {
	case int:
		return strconv.Itoa(v), true
	case int32:
		return strconv.FormatInt(int64(v), 10), true
	case int64:
		return strconv.FormatInt(v, 10), true
	case string:
		return "'" + strings.ReplaceAll(v, "'", "''") + "'", true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}

// planNode is the part of a FORMAT JSON plan node the bench reads.
type planNode struct {
	NodeType     string     `json:"Node Type"`
	Relation     string     `json:"Relation Name"`
	Alias        string     `json:"Alias"`
	Index        string     `json:"Index Name"`
	Parent       string     `json:"Parent Relationship"`
	SubplanName  string     `json:"Subplan Name"`
	SortMethod   string     `json:"Sort Method"`
	ActualRows   float64    `json:"Actual Rows"`
	ActualLoops  float64    `json:"Actual Loops"`
	ActualTotal  float64    `json:"Actual Total Time"`
	SharedHit    int64      `json:"Shared Hit Blocks"`
	SharedRead   int64      `json:"Shared Read Blocks"`
	HeapFetches  *float64   `json:"Heap Fetches"`
	RowsFiltered float64    `json:"Rows Removed by Filter"`
	Plans        []planNode `json:"Plans"`
}

type explainOutput struct {
	Plan      planNode `json:"Plan"`
	Planning  float64  `json:"Planning Time"`
	Execution float64  `json:"Execution Time"`
}

func explainJSON(ctx context.Context, conn *pgx.Conn, sql string, args ...any) (planFigures, error) {
	var raw []byte
	if err := conn.QueryRow(ctx, sql, args...).Scan(&raw); err != nil {
		return planFigures{}, err
	}
	var out []explainOutput
	if err := json.Unmarshal(raw, &out); err != nil {
		return planFigures{}, err
	}
	if len(out) != 1 {
		return planFigures{}, fmt.Errorf("%d plans", len(out))
	}
	e := out[0]
	f := planFigures{planning: e.Planning, execution: e.Execution, rows: int64(e.Plan.ActualRows),
		hit: e.Plan.SharedHit, read: e.Plan.SharedRead}
	walkPlan(e.Plan, 0, &f)
	slices.Sort(f.seqScans)
	f.seqScans = slices.Compact(f.seqScans)
	slices.Sort(f.indexes)
	f.indexes = slices.Compact(f.indexes)
	return f, nil
}

// walkPlan collects the sequential scans of large tables, the indexes used and one
// line per node.
func walkPlan(n planNode, depth int, f *planFigures) {
	if n.NodeType == "Seq Scan" && slices.Contains(largeTables, n.Relation) {
		f.seqScans = append(f.seqScans, n.Relation)
	}
	if n.Index != "" {
		f.indexes = append(f.indexes, n.Index)
	}
	var b strings.Builder
	b.WriteString(strings.Repeat("  ", depth))
	if depth > 0 {
		b.WriteString("-> ")
	}
	b.WriteString(n.NodeType)
	if n.Index != "" {
		b.WriteString(" using " + n.Index)
	}
	if n.Relation != "" {
		b.WriteString(" on " + n.Relation)
		if n.Alias != "" && n.Alias != n.Relation {
			b.WriteString(" " + n.Alias)
		}
	}
	if n.SubplanName != "" {
		b.WriteString(" [" + n.SubplanName + "]")
	}
	if n.SortMethod != "" {
		b.WriteString(" (" + n.SortMethod + ")")
	}
	fmt.Fprintf(&b, "  rows=%.0f loops=%.0f time=%.3fms", n.ActualRows, n.ActualLoops, n.ActualTotal)
	if n.RowsFiltered > 0 {
		fmt.Fprintf(&b, " filtered=%.0f", n.RowsFiltered)
	}
	if n.HeapFetches != nil {
		fmt.Fprintf(&b, " heap-fetches=%.0f", *n.HeapFetches)
	}
	if n.SharedHit+n.SharedRead > 0 {
		fmt.Fprintf(&b, " buffers=%d", n.SharedHit+n.SharedRead)
	}
	f.tree = append(f.tree, b.String())
	for _, c := range n.Plans {
		walkPlan(c, depth+1, f)
	}
}

func (f planFigures) summary() string {
	seq := "no seq scan of large tables"
	if len(f.seqScans) > 0 {
		seq = "SEQ SCAN of " + strings.Join(f.seqScans, ", ")
	}
	idx := "no index"
	if len(f.indexes) > 0 {
		idx = strings.Join(f.indexes, ", ")
	}
	return fmt.Sprintf("execution %.2fms (planning %.2fms), %d rows, %d buffers; %s; indexes: %s",
		f.execution, f.planning, f.rows, f.hit+f.read, seq, idx)
}

func (p planReport) print(full bool) {
	fmt.Printf("  %s  args %s\n", p.label, formatArgs(p.args))
	fmt.Printf("    custom plan: %s\n", p.custom.summary())
	switch {
	case p.mode != "":
		fmt.Printf("    exec mode %s: planned with the arguments on every execution\n", p.mode)
	case !p.cacheOK:
		fmt.Printf("    cached plan: not examined\n")
	case p.generic:
		fmt.Printf("    cached plan after 6 runs: GENERIC: %s\n", p.cached.summary())
	default:
		fmt.Printf("    cached plan after 6 runs: custom (re-planned each run): execution %.2fms\n", p.cached.execution)
	}
	if full || len(p.seqScans()) > 0 {
		fmt.Printf("    custom plan:\n")
		for _, l := range p.custom.tree {
			fmt.Printf("      %s\n", l)
		}
		if p.cacheOK && p.generic {
			fmt.Printf("    generic plan:\n")
			for _, l := range p.cached.tree {
				fmt.Printf("      %s\n", l)
			}
		}
	}
}

func formatArgs(args []any) string {
	parts := make([]string, len(args))
	for i, a := range args {
		if l, ok := sqlLiteral(a); ok {
			parts[i] = l
		} else {
			parts[i] = fmt.Sprint(a)
		}
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
