package app

import (
	"errors"
	"regexp"
	"strings"

	"atrium/internal/auth"
	"atrium/internal/domain"
	"atrium/internal/textin"
)

// Every text field of every form goes through internal/textin, here: names through
// cleanName, emails through cleanEmail or LoginEmail, search boxes through CleanQuery,
// passwords through checkSecret. What textin refuses is a field error (EINVALID).

var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// cleanName tidies a required display name with textin.Line and checks it holds
// between 1 and max characters; a name made only of invisible characters is empty.
func cleanName(field, name string, max int) (string, error) {
	name, err := cleanOptionalName(field, name, max)
	if err == nil && name == "" {
		err = domain.FieldError(field, "Enter a name.")
	}
	return name, err
}

// cleanOptionalName is cleanName for a name that may be left empty. A value holding
// only invisible characters is refused rather than stored as empty.
func cleanOptionalName(field, name string, max int) (string, error) {
	name, err := textin.Line(name, max)
	if errors.Is(err, textin.ErrInvisible) {
		return "", domain.FieldError(field, "Enter a name with visible characters, or leave it empty.")
	}
	return name, textError(field, err)
}

// SearchMax is how many characters a search box keeps.
const SearchMax = 100

// CleanQuery tidies a search box with textin.Query: cut to SearchMax characters, never
// inside a character; invalid UTF-8, control and bidirectional formatting characters
// are EINVALID on field. The app cleans every query it is given; the server cleans one
// itself only to show it back.
func CleanQuery(field, q string) (string, error) {
	q, err := textin.Query(q, SearchMax)
	if err != nil {
		return "", domain.FieldError(field, "Check the search box: "+lowerFirst(err.Error()))
	}
	return q, nil
}

// textError turns a textin refusal into a field error.
func textError(field string, err error) error {
	if err == nil {
		return nil
	}
	return domain.FieldError(field, err.Error())
}

func lowerFirst(s string) string {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return s
	}
	return string(s[0]+'a'-'A') + s[1:]
}

// validSlug reports whether s has the shape of an organisation's or account's slug;
// anything else names nothing and is not looked up.
func validSlug(s string) bool { return slugRE.MatchString(s) }

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

// cleanEmail normalises and checks an email address with textin.Email.
func cleanEmail(field, email string) (string, error) {
	email, err := textin.Email(email)
	if err != nil {
		return "", domain.FieldError(field, textin.ErrEmail.Error())
	}
	return email, nil
}

// LoginEmail checks the email typed to sign in (or to unlock a sign-in), before
// anything else is done with it: it must be an email address as textin.Email accepts
// (users' addresses are all such). It returns the normalised address, or EINVALID on
// field.
func LoginEmail(field, email string) (string, error) {
	return cleanEmail(field, email)
}

// checkSecret checks a password as typed (textin.Secret): never altered, at most
// auth.MaxPasswordLen characters, no control characters.
func checkSecret(field, password string) error {
	if err := textin.Secret(password, auth.MaxPasswordLen); err != nil {
		return domain.FieldError(field, "That is not a password Atrium accepts: passwords have at most "+
			itoa(auth.MaxPasswordLen)+" characters and no control characters.")
	}
	return nil
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
