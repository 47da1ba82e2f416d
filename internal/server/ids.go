package server

// parseID reads an id from a form or a URL: a positive decimal number written the one
// way it is printed (digits only, no sign, no leading zero, at most 18 digits). Anything
// else is not an id, and ok is false.
func parseID(s string) (id int64, ok bool) {
	if len(s) == 0 || len(s) > 18 || s[0] == '0' {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		id = id*10 + int64(c-'0')
	}
	return id, true
}
