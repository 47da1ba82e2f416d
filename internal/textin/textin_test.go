package textin

import (
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// hostile are inputs no form may store as they are; normal are ordinary ones.
var (
	hostile = []string{
		"\x00", "Jane\x00Doe", "\xed\xa0\x80", "Jane\xffDoe", "\u202eevil", "a\u202dlpha", "\u2066x\u2069",
		"\u200e", "x\u200fy", "\u200b\u200b", "\ufeff", "\u200d\u2060", "\u3164", "Jane\tDoe", "Jane\nDoe",
		"\u0085x\u0085", "x\u2028y", "\x1b[31mred", "\u0090", strings.Repeat("A", 1<<16),
		strings.Repeat("é", 99) + "\xc3", "'; DROP TABLE users;--", "<script>alert(1)</script>",
	}
	normal = []string{
		"", " ", "Jane Doe", "  Jane   Doe  ", "José Müller", "李小龙", "محمد", "שלום", "👨\u200d👩\u200d👧 family",
		"O'Brien & Sons", "a\u00a0b", "\u200bBob\u200b", strings.Repeat("é", 150),
	}
)

func TestLine(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		err      error
	}{
		{"  Jane   Doe ", "Jane Doe", nil},
		{"\tJane Doe\r\n", "Jane Doe", nil},
		{"Jane\u00a0\u2003Doe", "Jane Doe", nil},
		{"\u200bBob\ufeff", "Bob", nil},
		{"Zoë", "Zoë", nil},
		{"👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧", nil},
		{"", "", nil},
		{" \t ", "", nil},
		{"'; DROP TABLE users;--", "'; DROP TABLE users;--", nil},
		{"<script>alert(1)</script>", "<script>alert(1)</script>", nil},
		{"Jane\x00Doe", "", ErrControl},
		{"\x00", "", ErrControl},
		{"Jane\tDoe", "", ErrControl},
		{"Jane\nDoe", "", ErrControl},
		{"x\u2028y", "", ErrControl},
		{"\u0090", "", ErrControl},
		{"\xed\xa0\x80", "", ErrInvalidUTF8},
		{"Jane\xffDoe", "", ErrInvalidUTF8},
		{"\u202eevil", "", ErrBidi},
		{"evil\u202e", "", ErrBidi},
		{"\u2067x", "", ErrBidi},
		{"x\u200fy", "", ErrBidi},
		{"\u200b\u200b", "", ErrInvisible},
		{" \u200b \ufeff\u2060 ", "", ErrInvisible},
		{"\u3164\u3164", "", ErrInvisible},
		{strings.Repeat("é", 120), strings.Repeat("é", 120), nil},
		{strings.Repeat("é", 121), "", ErrTooLong},
		{strings.Repeat("A", 1<<20), "", ErrTooLong},
	} {
		got, err := Line(tc.in, 120)
		if got != tc.want || !errors.Is(err, tc.err) || (tc.err == nil && err != nil) {
			t.Errorf("Line(%q) = %q, %v; want %q, %v", short(tc.in), got, err, tc.want, tc.err)
		}
	}
}

func TestQuery_CutsByCharacters(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		err      error
	}{
		{strings.Repeat("a", 99) + "é", strings.Repeat("a", 99) + "é", nil},
		{strings.Repeat("a", 99) + "éé", strings.Repeat("a", 99) + "é", nil},
		{strings.Repeat("é", 300), strings.Repeat("é", 100), nil},
		{strings.Repeat("a", 99) + " b", strings.Repeat("a", 99), nil},
		{"\u200b\u200b", "", nil},
		{"  jane  ", "jane", nil},
		{"jane\x00", "", ErrControl},
		{"\xed\xa0\x80", "", ErrInvalidUTF8},
		{"\u202ejane", "", ErrBidi},
	} {
		got, err := Query(tc.in, 100)
		if got != tc.want || !errors.Is(err, tc.err) || (tc.err == nil && err != nil) {
			t.Errorf("Query(%q) = %q, %v; want %q, %v", short(tc.in), got, err, tc.want, tc.err)
		}
	}
}

func TestEmail(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{" Jane@Example.COM ", "jane@example.com"},
		{"josé@exämple.test", "josé@exämple.test"},
		{"a.b+c@x.io", "a.b+c@x.io"},
		{"jane@example", ""},
		{"jane", ""},
		{"@x.io", ""},
		{"Jane <jane@x.io>", ""},
		{"jane@x.io\x00", ""},
		{"ja\x00ne@x.io", ""},
		{"jane\u200b@x.io", ""},
		{"\u202ejane@x.io", ""},
		{"jane doe@x.io", ""},
		{"ja\xffne@x.io", ""},
		{"'; DROP TABLE users;--", ""},
		{"<script>@x.io", ""},
		{strings.Repeat("a", 250) + "@x.io", ""},
	} {
		got, err := Email(tc.in)
		if got != tc.want || (tc.want == "") != (err != nil) {
			t.Errorf("Email(%q) = %q, %v; want %q", short(tc.in), got, err, tc.want)
		}
	}
}

func TestSecret(t *testing.T) {
	for _, ok := range []string{"correct horse battery", "  spaces at the ends  ", "пароль-😀-\u202e", "'; DROP TABLE users;--"} {
		if err := Secret(ok, 256); err != nil {
			t.Errorf("Secret(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"pass\x00word", "pass\nword", "\xed\xa0\x80abcdefgh", strings.Repeat("é", 257)} {
		if err := Secret(bad, 256); err == nil {
			t.Errorf("Secret(%q) accepted", short(bad))
		}
	}
}

func short(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// checkCleaned asserts what every cleaned line must be: valid UTF-8 without control
// or bidirectional formatting characters, within max characters, with nothing blank
// at either end and single spaces inside.
func checkCleaned(t *testing.T, in, out string, max int) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("%q: output %q is not UTF-8", in, out)
	}
	if n := utf8.RuneCountInString(out); n > max {
		t.Fatalf("%q: output has %d characters, cap %d", in, n, max)
	}
	for _, r := range out {
		if IsLineBreakOrControl(r) || IsBidi(r) {
			t.Fatalf("%q: output %q holds %U", in, out, r)
		}
		if unicode.IsSpace(r) && r != ' ' {
			t.Fatalf("%q: output %q holds the space %U", in, out, r)
		}
	}
	if strings.TrimFunc(out, blank) != out || strings.Contains(out, "  ") {
		t.Fatalf("%q: output %q is not trimmed and spaced", in, out)
	}
}

func FuzzLine(f *testing.F) {
	for _, s := range append(hostile, normal...) {
		f.Add(s, 120)
	}
	f.Add("x", 0)
	f.Fuzz(func(t *testing.T, in string, max int) {
		max = int(uint(max)%500) + 1
		out, err := Line(in, max)
		if err != nil {
			if out != "" {
				t.Fatalf("%q: error %v with output %q", in, err, out)
			}
			var e *Error
			if !errors.As(err, &e) || e.Error() == "" {
				t.Fatalf("%q: error %v is not an *Error with a message", in, err)
			}
			return
		}
		checkCleaned(t, in, out, max)
		if again, err := Line(out, max); again != out || err != nil {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", in, out, again, err)
		}
	})
}

func FuzzQuery(f *testing.F) {
	for _, s := range append(hostile, normal...) {
		f.Add(s)
	}
	f.Add(strings.Repeat("a", 99) + "é")
	f.Fuzz(func(t *testing.T, in string) {
		out, err := Query(in, 100)
		if err != nil {
			if out != "" {
				t.Fatalf("%q: error %v with output %q", in, err, out)
			}
			return
		}
		checkCleaned(t, in, out, 100)
		if again, err := Query(out, 100); again != out || err != nil {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", in, out, again, err)
		}
		if line, lerr := Line(in, 100); lerr == nil && line != out {
			t.Fatalf("%q: Query %q differs from Line %q under the cap", in, out, line)
		}
	})
}

func FuzzEmail(f *testing.F) {
	for _, s := range append(hostile, normal...) {
		f.Add(s)
	}
	for _, s := range []string{"jane@example.com", " JANE@EXAMPLE.COM ", "a\"b@x.io", "\"a b\"@x.io", "a@[1.2.3.4]", "a@b.c.", "İ@x.io"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := Email(in)
		if err != nil {
			if out != "" {
				t.Fatalf("%q: error %v with output %q", in, err, out)
			}
			return
		}
		if !utf8.ValidString(out) || len(out) > MaxEmailLen || strings.ToLower(out) != out || !strings.Contains(out, "@") {
			t.Fatalf("%q: bad output %q", in, out)
		}
		for _, r := range out {
			if IsLineBreakOrControl(r) || IsBidi(r) || IsInvisible(r) || unicode.IsSpace(r) {
				t.Fatalf("%q: output %q holds %U", in, out, r)
			}
		}
		if again, err := Email(out); again != out || err != nil {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", in, out, again, err)
		}
	})
}

func FuzzSecret(f *testing.F) {
	for _, s := range append(hostile, normal...) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if err := Secret(in, 256); err != nil {
			return
		}
		if !utf8.ValidString(in) || utf8.RuneCountInString(in) > 256 || strings.IndexFunc(in, IsLineBreakOrControl) >= 0 {
			t.Fatalf("accepted %q", in)
		}
	})
}
