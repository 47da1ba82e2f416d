package app

import (
	"net/mail"
	"regexp"
	"strings"
	"unicode/utf8"

	"atrium/internal/domain"
)

var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// cleanName trims a display name and checks its length.
func cleanName(field, name string, max int) (string, error) {
	name = strings.Join(strings.Fields(name), " ")
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return "", domain.FieldError(field, "Enter a name.")
	case n > max:
		return "", domain.FieldError(field, "Use at most "+itoa(max)+" characters.")
	}
	return name, nil
}

// cleanSlug checks a URL slug, deriving one from name when slug is empty.
func cleanSlug(field, slug, name string) (string, error) {
	slug = strings.TrimSpace(strings.ToLower(slug))
	if slug == "" {
		slug = Slugify(name)
	}
	if !slugRE.MatchString(slug) {
		return "", domain.FieldError(field, "Use lower-case letters, digits and hyphens (up to 63), starting with a letter or digit.")
	}
	return slug, nil
}

// Slugify turns a name into a URL slug ("Northwind Retail" -> "northwind-retail").
func Slugify(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case b.Len() > 0 && !dash:
			b.WriteByte('-')
			dash = true
		}
	}
	s := strings.TrimSuffix(b.String(), "-")
	if len(s) > 63 {
		s = strings.TrimSuffix(s[:63], "-")
	}
	return s
}

// cleanEmail normalises and checks an email address.
func cleanEmail(field, email string) (string, error) {
	email = NormaliseEmail(email)
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || len(email) > 254 || !strings.Contains(email[strings.LastIndex(email, "@")+1:], ".") {
		return "", domain.FieldError(field, "Enter an email address like name@example.com.")
	}
	return email, nil
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
