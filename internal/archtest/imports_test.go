package archtest

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// allowed lists, for each package of ours, the packages of ours it may import.
// Anything not listed here may import nothing of ours; a new package must be added.
var allowed = map[string][]string{
	"internal/domain":      {},
	"internal/config":      {},
	"internal/textin":      {},
	"internal/policy":      {"internal/domain"},
	"internal/auth":        {"internal/domain", "internal/auth/argon2"},
	"internal/auth/argon2": {},
	"internal/sso":         {"internal/domain", "internal/auth"},
	// devidp is the development OpenID provider (served under /dev/idp in development
	// only, and started by tests and the bench).
	"internal/devidp":   {},
	"internal/store":    {"internal/domain", "internal/auth", "migrations"},
	"internal/mail":     {"internal/domain", "internal/store"},
	"internal/app":      {"internal/domain", "internal/policy", "internal/auth", "internal/sso", "internal/store", "internal/mail", "internal/textin"},
	"web":               {"internal/domain"},
	"web/components":    {"internal/domain", "web"},
	"web/layout":        {"internal/domain", "web", "web/components"},
	"web/pages":         {"internal/domain", "web", "web/components", "web/layout"},
	"web/static":        {},
	"migrations":        {},
	"internal/archtest": {},
	// server reaches data only through app (its tests may use the store directly).
	"internal/server": {"internal/domain", "internal/policy", "internal/app", "internal/config",
		"internal/textin", "web", "web/pages", "web/layout", "web/components", "web/static", "internal/devidp"},
	"internal/pgtest": {"internal/domain", "internal/auth", "internal/store", "migrations"},
	"cmd/atrium":      {"*"},
	"cmd/atriumbench": {"*"},
	"cmd/atriumsoak":  {"*"},

	// Processes for the bench, soak runs and multi-instance tests: childproc starts and
	// stops child processes and imports nothing of ours; a private PostgreSQL cluster
	// and a load balancer run on it.
	"internal/childproc": {},
	"internal/pgcluster": {"internal/childproc"},
	"internal/balancer":  {"internal/childproc"},

	// mailtest is a real SMTP server for tests; nothing but tests may import it.
	"internal/mailtest": {},
	// smtpsink is the SMTP server the bench and the soak deliver to.
	"internal/smtpsink": {},
}

// testOnly are packages a _test.go file may additionally import.
var testOnly = []string{"internal/pgtest", "internal/app", "internal/auth", "internal/config", "internal/server", "internal/store",
	"internal/mail", "internal/mailtest", "internal/pgcluster", "internal/balancer", "internal/devidp", "internal/sso"}

func TestImportsPointInward(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); strings.HasPrefix(name, ".") || name == "bin" || name == "node_modules" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		rel = filepath.ToSlash(rel)
		seen[rel] = true
		rules, ok := allowed[rel]
		if !ok {
			t.Errorf("package %s has no import rule: add it to allowed in archtest", rel)
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		isTest := strings.HasSuffix(path, "_test.go")
		for _, imp := range f.Imports {
			p := strings.Trim(imp.Path.Value, `"`)
			if !strings.HasPrefix(p, "atrium/") {
				continue
			}
			target := strings.TrimPrefix(p, "atrium/")
			if target == rel || contains(rules, "*") || contains(rules, target) || (isTest && contains(testOnly, target)) {
				continue
			}
			t.Errorf("%s imports %s, against the dependency rule", filepath.ToSlash(strings.TrimPrefix(path, root+"/")), target)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for _, must := range []string{"internal/domain", "internal/app", "internal/server", "internal/store", "web/pages"} {
		if !seen[must] {
			missing = append(missing, must)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Fatalf("walked the wrong tree: missing %v", missing)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
