package app

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"atrium/internal/domain"
	"atrium/internal/textin"
)

// hostileInputs are what a form may be sent besides ordinary text.
var hostileInputs = []string{
	"", "Jane Doe", "  Jane \u00a0 Doe ", "José", "\x00", "Jane\x00Doe", "\xed\xa0\x80", "\u202eevil", "\u2067x", "x\u200fy",
	"\u200b\u200b", "\ufeff", "Jane\tDoe", "Jane\nDoe", "\u0085", strings.Repeat("é", 121), strings.Repeat("A", 1<<16),
	"'; DROP TABLE users;--", "<script>alert(1)</script>", "jane@example.com", " JANE@Example.COM ", "Northwind Retail",
	"northwind-retail", "-x-", "1", "+1", "007", "-1", "9223372036854775808",
}

// fieldErr asserts err is a field error (EINVALID) on field with a message.
func fieldErr(t *testing.T, in string, err error, fields ...string) {
	t.Helper()
	var e *domain.Error
	if !errors.As(err, &e) || e.Code != domain.EINVALID || e.Message == "" {
		t.Fatalf("%q: %v is not a field error", in, err)
	}
	for _, f := range fields {
		if e.Field == f {
			return
		}
	}
	t.Fatalf("%q: error on field %q, want one of %v", in, e.Field, fields)
}

// cleanText asserts out is what a cleaned single line must be.
func cleanText(t *testing.T, in, out string, max int) {
	t.Helper()
	if !utf8.ValidString(out) || utf8.RuneCountInString(out) > max ||
		strings.IndexFunc(out, textin.IsLineBreakOrControl) >= 0 || strings.IndexFunc(out, textin.IsBidi) >= 0 {
		t.Fatalf("%q: output %q breaks the text rules", in, out)
	}
}

func FuzzCleanName(f *testing.F) {
	for _, s := range hostileInputs {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := cleanName("name", in, 120)
		if err != nil {
			fieldErr(t, in, err, "name")
			return
		}
		cleanText(t, in, out, 120)
		if out == "" || strings.TrimFunc(out, func(r rune) bool { return textin.IsInvisible(r) || r == ' ' }) != out {
			t.Fatalf("%q: accepted the blank name %q", in, out)
		}
		if again, err := cleanName("name", out, 120); again != out || err != nil {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", in, out, again, err)
		}
		opt, err := cleanOptionalName("name", in, 120)
		if opt != out || err != nil {
			t.Fatalf("%q: optional name %q, %v differs from %q", in, opt, err, out)
		}
	})
}

func FuzzCleanEmail(f *testing.F) {
	for _, s := range hostileInputs {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := cleanEmail("email", in)
		login, lerr := LoginEmail("email", in)
		if login != out || (err == nil) != (lerr == nil) {
			t.Fatalf("%q: sign-in takes %q, %v where forms take %q, %v", in, login, lerr, out, err)
		}
		if err != nil {
			fieldErr(t, in, err, "email")
			return
		}
		cleanText(t, in, out, textin.MaxEmailLen)
		if out != NormaliseEmail(out) || len(out) > textin.MaxEmailLen || strings.Count(out, "@") < 1 {
			t.Fatalf("%q: output %q is not a normalised address", in, out)
		}
		if again, err := cleanEmail("email", out); again != out || err != nil {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", in, out, again, err)
		}
	})
}

func FuzzCleanQuery(f *testing.F) {
	for _, s := range hostileInputs {
		f.Add(s)
	}
	f.Add(strings.Repeat("a", 99) + "é")
	f.Fuzz(func(t *testing.T, in string) {
		out, err := CleanQuery("q", in)
		if err != nil {
			fieldErr(t, in, err, "q")
			return
		}
		cleanText(t, in, out, SearchMax)
		if again, err := CleanQuery("q", out); again != out || err != nil {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", in, out, again, err)
		}
	})
}

func FuzzCleanSlug(f *testing.F) {
	for _, s := range hostileInputs {
		f.Add(s, s)
	}
	f.Add("", "Northwind Retail")
	f.Add("", "\u212a") // the Kelvin sign lower-cases to "k"
	f.Fuzz(func(t *testing.T, slug, name string) {
		if s := Slugify(name); s != "" && !validSlug(s) {
			t.Fatalf("Slugify(%q) = %q, not a slug", name, s)
		}
		out, err := cleanSlug("slug", slug, name)
		if err != nil {
			fieldErr(t, slug, err, "slug")
			return
		}
		if !validSlug(out) {
			t.Fatalf("cleanSlug(%q, %q) = %q, not a slug", slug, name, out)
		}
		if again, err := cleanSlug("slug", out, ""); again != out || err != nil {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", slug, out, again, err)
		}
	})
}

func FuzzCheckSecret(f *testing.F) {
	for _, s := range hostileInputs {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if err := checkSecret("password", in); err != nil {
			fieldErr(t, in, err, "password")
			return
		}
		if !utf8.ValidString(in) || utf8.RuneCountInString(in) > 256 || strings.IndexFunc(in, textin.IsLineBreakOrControl) >= 0 {
			t.Fatalf("accepted the password %q", in)
		}
	})
}

// FuzzCleanRole decodes a role form: a name, permission names, list and campaign ids
// (each list separated by commas), checked against a caller holding the permissions
// of the bit mask held.
func FuzzCleanRole(f *testing.F) {
	all := strings.Join(func() []string {
		var s []string
		for _, p := range domain.Catalogue {
			s = append(s, string(p))
		}
		return s
	}(), ",")
	f.Add("Reviewers", "campaigns.view", "", "", uint64(1<<62-1))
	f.Add("Everything", all, "1,2,3", "4", uint64(1<<62-1))
	f.Add("Scoped", "lists.view,lists.edit", " 7 ,8", "+9", uint64(1<<62-1))
	for _, s := range hostileInputs {
		f.Add(s, s, s, s, uint64(0xffff))
	}
	f.Fuzz(func(t *testing.T, name, perms, lists, campaigns string, held uint64) {
		var callerPerms []domain.Permission
		for i, p := range domain.Catalogue {
			if held&(1<<(i%64)) != 0 {
				callerPerms = append(callerPerms, p)
			}
		}
		caller := domain.NewPermissionSet(callerPerms)
		split := func(s string) []string {
			if s == "" {
				return nil
			}
			return strings.Split(s, ",")
		}
		in := RoleInput{Name: name, Permissions: split(perms), Lists: split(lists), Campaigns: split(campaigns)}
		c, err := cleanRole(unlimited(caller), in)
		if err != nil {
			fieldErr(t, name, err, "name", "permissions", "scope")
			return
		}
		cleanText(t, name, c.name, 60)
		if again, err := cleanName("name", c.name, 60); again != c.name || err != nil {
			t.Fatalf("role name %q not stable: %q, %v", c.name, again, err)
		}
		if !domain.NewPermissionSet(c.perms).Has(domain.PermAccountView) {
			t.Fatal("a custom role without account.view")
		}
		for _, p := range c.perms {
			if !caller.Has(p) || !AllowedInCustomRole(p) {
				t.Fatalf("the role holds %s, which the caller may not give", p)
			}
		}
		for raw, ids := range map[string][]int64{lists: c.lists, campaigns: c.campaigns} {
			if len(ids) != len(split(raw)) {
				t.Fatalf("%q gave %d ids", raw, len(ids))
			}
			for _, id := range ids {
				if id <= 0 {
					t.Fatalf("%q gave the id %d", raw, id)
				}
			}
		}
	})
}

func FuzzParseScopeIDs(f *testing.F) {
	for _, s := range hostileInputs {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		ids, err := parseScopeIDs(strings.Split(raw, ","))
		if err != nil {
			fieldErr(t, raw, err, "scope")
			return
		}
		var again []string
		for _, id := range ids {
			if id <= 0 {
				t.Fatalf("%q gave the id %d", raw, id)
			}
			again = append(again, strconv.FormatInt(id, 10))
		}
		if back, err := parseScopeIDs(again); err != nil || len(back) != len(ids) {
			t.Fatalf("%q: ids %v do not read back: %v %v", raw, ids, back, err)
		}
	})
}
