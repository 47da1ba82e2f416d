package argon2

import (
	"bytes"
	"flag"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// This file keeps the fork pinned to the x/crypto release it was derived from. Copied
// crypto is invisible to dependency updates, so every way of drifting away from
// upstream fails here with what to review.

// upstreamVersion is the golang.org/x/crypto release this package was derived from. The
// package doc names it too.
const upstreamVersion = "v0.58.0"

const upstreamModule = "golang.org/x/crypto"

// verbatim are the files copied from that release unchanged: file here → file in the
// module.
var verbatim = map[string]string{
	"LICENSE":         "LICENSE",
	"blake2b.go":      "argon2/blake2b.go",
	"blamka_amd64.go": "argon2/blamka_amd64.go",
	"blamka_amd64.s":  "argon2/blamka_amd64.s",
}

// edited are the files derived from that release and changed on purpose: file here →
// file in the module. Each one's edits are recorded in testdata/upstream/<file>.diff.
var edited = map[string]string{
	"argon2.go":         "argon2/argon2.go",
	"blamka_generic.go": "argon2/blamka_generic.go",
	"blamka_ref.go":     "argon2/blamka_ref.go",
}

// own are the files of this package with no upstream counterpart.
var own = []string{"argon2_test.go", "memory.go", "memory_linux.go", "memory_other.go", "upstream_test.go", "testdata"}

var update = flag.Bool("update", false, "record the current edits of the edited files in testdata/upstream")

// reviewSteps is what to do when the fork and its upstream part ways.
const reviewSteps = "review the upstream changes to argon2/ between the versions (git log OLD..NEW -- argon2 " +
	"in the x/crypto repository: security fixes, new assembly, API changes), re-derive the fork from the new " +
	"version (copy the verbatim files again, carry the deliberate edits over), then update upstreamVersion in " +
	"internal/auth/argon2/upstream_test.go and the version named in the package doc (argon2.go), and re-record " +
	"the edits: go test ./internal/auth/argon2 -run TestEditedFilesDifferOnlyByRecordedEdits -update"

// TestUpstreamVersionIsGoMods fails when go.mod requires an x/crypto other than the one
// the fork was derived from: the rest of the project then runs other upstream code
// while the fork silently stays where it was.
func TestUpstreamVersionIsGoMods(t *testing.T) {
	path, gomod := readGoMod(t)
	version, replaced := requirement(gomod, upstreamModule)
	if replaced {
		t.Errorf("go.mod (%s) replaces %s: the fork is checked against the released %s only; compare it with the "+
			"replacement by hand", path, upstreamModule, upstreamVersion)
	}
	if version != upstreamVersion {
		steps := strings.NewReplacer("OLD", upstreamVersion, "NEW", version).Replace(reviewSteps)
		t.Fatalf("go.mod (%s) requires %s %q, but internal/auth/argon2 is derived from %s: %s",
			path, upstreamModule, version, upstreamVersion, steps)
	}
}

// readGoMod finds the go.mod above this package and returns its path and contents.
func readGoMod(t *testing.T) (string, string) {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil {
			return filepath.Join(dir, "go.mod"), string(b)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above internal/auth/argon2")
		}
		dir = parent
	}
}

// requirement returns the version of module that gomod requires ("" when none) and
// whether gomod replaces the module.
func requirement(gomod, module string) (version string, replaced bool) {
	block := "" // the verb of the parenthesised block the line is in
	for _, line := range strings.Split(gomod, "\n") {
		line, _, _ = strings.Cut(line, "//")
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		verb := block
		switch {
		case block != "" && f[0] == ")":
			block = ""
			continue
		case block == "" && len(f) == 2 && f[1] == "(":
			block = f[0]
			continue
		case block == "":
			verb, f = f[0], f[1:]
		}
		if len(f) >= 2 && f[0] == module {
			switch verb {
			case "require":
				version = f[1]
			case "replace":
				replaced = true
			}
		}
	}
	return version, replaced
}

// TestPackageDocNamesUpstreamVersion keeps the package doc's version in step with
// upstreamVersion.
func TestPackageDocNamesUpstreamVersion(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "argon2.go", nil, parser.PackageClauseOnly|parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	want := upstreamModule + " " + upstreamVersion
	if f.Doc == nil || !strings.Contains(strings.Join(strings.Fields(f.Doc.Text()), " "), want) {
		t.Fatalf("the package doc in argon2.go must name the release the fork is derived from, %q "+
			"(upstreamVersion in upstream_test.go), and list every deliberate difference from it", want)
	}
}

// TestVerbatimFilesMatchUpstream fails when a file meant to be a plain copy differs
// from the release's.
func TestVerbatimFilesMatchUpstream(t *testing.T) {
	dir := upstreamDir(t)
	for _, name := range sortedKeys(verbatim) {
		up := verbatim[name]
		want, err := os.ReadFile(filepath.Join(dir, up))
		if err != nil {
			t.Errorf("%s: %v; the file %s copies is gone from %s@%s: review the copy", name, err, up, upstreamModule, upstreamVersion)
			continue
		}
		got, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("internal/auth/argon2/%s differs from %s@%s/%s, of which it is meant to be an unchanged copy:\n%s\n"+
				"Copy the upstream file again. If the change is deliberate, move %s from verbatim to edited in "+
				"upstream_test.go, record its edits (-update) and list the difference in the package doc.",
				name, upstreamModule, upstreamVersion, up, lineDiff(string(want), string(got)), name)
		}
	}
}

// TestEditedFilesDifferOnlyByRecordedEdits fails when a file changed on purpose differs
// from the release's by anything but its recorded edits.
func TestEditedFilesDifferOnlyByRecordedEdits(t *testing.T) {
	dir := upstreamDir(t)
	for _, name := range sortedKeys(edited) {
		up := edited[name]
		upstream, err := os.ReadFile(filepath.Join(dir, up))
		if err != nil {
			t.Errorf("%s: %v; the file %s derives from is gone from %s@%s: review the fork", name, err, up, upstreamModule, upstreamVersion)
			continue
		}
		local, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		got := fmt.Sprintf("--- %s@%s/%s\n+++ internal/auth/argon2/%s\n%s",
			upstreamModule, upstreamVersion, up, name, lineDiff(string(upstream), string(local)))
		recordedPath := filepath.Join("testdata", "upstream", name+".diff")
		if *update {
			if err := os.WriteFile(recordedPath, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		recorded, err := os.ReadFile(recordedPath)
		if err != nil {
			t.Errorf("%s: no recorded edits (%v)", name, err)
			continue
		}
		if got != string(recorded) {
			t.Errorf("internal/auth/argon2/%s differs from %s@%s/%s by more than the edits recorded in %s. "+
				"How the edits changed (- recorded, + now):\n%s\n"+
				"Review the change: a fix to copied code may belong upstream or be missing from it. If the change is "+
				"deliberate, list it in the package doc's differences and record it: "+
				"go test ./internal/auth/argon2 -run TestEditedFilesDifferOnlyByRecordedEdits -update",
				name, upstreamModule, upstreamVersion, up, recordedPath, lineDiff(string(recorded), got))
		}
	}
}

// TestEveryFileIsAccountedFor fails when a file is added to the package without saying
// whether it comes from upstream, so a new copy cannot escape the checks above.
func TestEveryFileIsAccountedFor(t *testing.T) {
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := e.Name()
		if _, ok := verbatim[name]; ok {
			continue
		}
		if _, ok := edited[name]; ok {
			continue
		}
		if !slices.Contains(own, name) {
			t.Errorf("internal/auth/argon2/%s is not accounted for in upstream_test.go: add it to verbatim (copied "+
				"from %s@%s unchanged), edited (copied and changed; record its edits with -update and list them in "+
				"the package doc) or own (no upstream counterpart)", name, upstreamModule, upstreamVersion)
		}
	}
}

// upstreamDir is the recorded release's directory in the module cache. When the cache
// does not hold it the test is skipped, or fails when CI is set.
func upstreamDir(t *testing.T) string {
	t.Helper()
	cache := strings.TrimSpace(string(goCmd(t, "env", "GOMODCACHE")))
	dir := filepath.Join(cache, filepath.FromSlash(upstreamModule)+"@"+upstreamVersion)
	if _, err := os.Stat(filepath.Join(dir, "argon2")); err != nil {
		unavailable(t, "the module cache does not hold %s@%s (%v), so the fork cannot be compared with it: "+
			"go mod download %s@%s", upstreamModule, upstreamVersion, err, upstreamModule, upstreamVersion)
	}
	return dir
}

// goCmd runs the go command and returns its standard output.
func goCmd(t *testing.T, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("go", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		unavailable(t, "go %s: %v %s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// unavailable skips the test for lack of something outside the repository, except in
// CI, where a skipped check would go unnoticed.
func unavailable(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") != "" {
		t.Fatalf("%s (failing rather than skipping because CI is set)", msg)
	}
	t.Skip(msg)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// lineDiff returns the edits turning a into b, line by line, as hunks without context:
// "@@ -i,n +j,m @@" (the hunk starts at line i of a and line j of b, removes n lines
// and adds m), then the removed lines with "-" and the added ones with "+". It is a
// longest-common-subsequence diff, so the same two texts always give the same edits.
func lineDiff(a, b string) string {
	x, y := strings.Split(a, "\n"), strings.Split(b, "\n")
	// Lines both texts start with need no table.
	skip := 0
	for skip < len(x) && skip < len(y) && x[skip] == y[skip] {
		skip++
	}
	x, y = x[skip:], y[skip:]
	// lcs[i][j] is the length of the longest common subsequence of x[i:] and y[j:].
	lcs := make([][]int, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out strings.Builder
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		if i < len(x) && j < len(y) && x[i] == y[j] {
			i, j = i+1, j+1
			continue
		}
		i0, j0 := i, j
		for i < len(x) || j < len(y) {
			if i < len(x) && j < len(y) && x[i] == y[j] {
				break
			}
			if j == len(y) || (i < len(x) && lcs[i+1][j] >= lcs[i][j+1]) {
				i++
			} else {
				j++
			}
		}
		fmt.Fprintf(&out, "@@ -%d,%d +%d,%d @@\n", skip+i0+1, i-i0, skip+j0+1, j-j0)
		for _, l := range x[i0:i] {
			out.WriteString("-" + l + "\n")
		}
		for _, l := range y[j0:j] {
			out.WriteString("+" + l + "\n")
		}
	}
	return out.String()
}

func TestRequirementReadsGoMod(t *testing.T) {
	for _, c := range []struct {
		gomod, version string
		replaced       bool
	}{
		{"module m\n\nrequire golang.org/x/crypto v0.1.0\n", "v0.1.0", false},
		{"module m\nrequire (\n\tgolang.org/x/cryptography v9.0.0\n\tgolang.org/x/crypto v0.2.0 // indirect\n)\n", "v0.2.0", false},
		{"module m\nrequire golang.org/x/crypto v0.3.0\nreplace golang.org/x/crypto => ../crypto\n", "v0.3.0", true},
		{"module m\nrequire golang.org/x/crypto v0.3.0\nreplace (\n\tgolang.org/x/crypto v0.3.0 => example.com/c v1.0.0\n)\n", "v0.3.0", true},
		{"module m\n// golang.org/x/crypto v0.4.0\nrequire golang.org/x/sys v0.1.0\n", "", false},
	} {
		if v, r := requirement(c.gomod, upstreamModule); v != c.version || r != c.replaced {
			t.Errorf("requirement(%q) = %q, %v; want %q, %v", c.gomod, v, r, c.version, c.replaced)
		}
	}
}
