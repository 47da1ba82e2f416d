package auth

import (
	"strings"
	"testing"
	"time"
)

// RFC 6238 appendix B, SHA-1: the secret "12345678901234567890" in base32.
const rfcSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

func TestTOTPCode_RFC6238(t *testing.T) {
	for _, c := range []struct {
		unix int64
		want string // the RFC's 8-digit values, last six digits
	}{{59, "287082"}, {1111111109, "081804"}, {1234567890, "005924"}, {2000000000, "279037"}} {
		if got, err := TOTPCode(rfcSecret, time.Unix(c.unix, 0)); err != nil || got != c.want {
			t.Errorf("code at %d = %q (%v), want %q", c.unix, got, err, c.want)
		}
	}
}

func TestMatchTOTP_OneStepOfSkew(t *testing.T) {
	now := time.Unix(1234567890, 0)
	step := TOTPStep(now)
	for d := int64(-3); d <= 3; d++ {
		c, _ := TOTPCode(rfcSecret, now.Add(time.Duration(d)*TOTPPeriod))
		got := MatchTOTP(rfcSecret, c, now)
		want := step + d
		if d < -TOTPSkew || d > TOTPSkew {
			want = 0
		}
		if got != want {
			t.Errorf("code of step %+d: matched step %d, want %d", d, got, want)
		}
	}
	if MatchTOTP(rfcSecret, "12345", now) != 0 || MatchTOTP("not base32!", "005924", now) != 0 {
		t.Fatal("matched a short code or a broken secret")
	}
}

func TestNormaliseTOTPCode(t *testing.T) {
	for in, want := range map[string]string{"123456": "123456", "123 456": "123456", " 123-456 ": "123456"} {
		if got, ok := NormaliseTOTPCode(in); !ok || got != want {
			t.Errorf("%q: %q %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "12345", "1234567", "12345a", "١٢٣٤٥٦", "123456\x00", strings.Repeat("1", 40)} {
		if got, ok := NormaliseTOTPCode(in); ok {
			t.Errorf("%q accepted as %q", in, got)
		}
	}
}

func TestNewTOTPKey_QRCode(t *testing.T) {
	secret, url, err := NewTOTPKey("jane@example.com")
	if err != nil || len(secret) != 32 || !strings.HasPrefix(url, "otpauth://totp/Atrium:jane@example.com?") {
		t.Fatalf("NewTOTPKey = %q %q %v", secret, url, err)
	}
	if again, err := TOTPURL(secret, "jane@example.com"); err != nil || !strings.Contains(again, "secret="+secret) {
		t.Fatalf("TOTPURL = %q %v", again, err)
	}
	png, err := TOTPQRCode(url, 200)
	if err != nil || !strings.HasPrefix(png, "data:image/png;base64,iVBOR") {
		t.Fatalf("QR code = %.40q %v", png, err)
	}
	if FormatTOTPSecret("ABCDEFGHIJ") != "ABCD EFGH IJ" {
		t.Fatal("FormatTOTPSecret")
	}
}

func FuzzNormaliseTOTPCode(f *testing.F) {
	for _, s := range []string{"123456", "123 456", "12-34-56", "", "abcdef", "\x00", "١٢٣٤٥٦", "1234567"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, ok := NormaliseTOTPCode(s)
		if !ok {
			return
		}
		if len(c) != TOTPDigits || strings.Trim(c, "0123456789") != "" {
			t.Fatalf("%q normalised to %q", s, c)
		}
	})
}
