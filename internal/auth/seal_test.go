package auth

import (
	"bytes"
	"testing"
)

func TestSealer_RoundTripBoundToContext(t *testing.T) {
	key := bytes.Repeat([]byte{7}, SecretKeyLen)
	s, err := NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed := s.Seal([]byte("JBSWY3DPEHPK3PXP"), "totp:42")
	if bytes.Contains(sealed, []byte("JBSWY3DPEHPK3PXP")) {
		t.Fatal("the sealed bytes hold the plaintext")
	}
	if id := KeyID(key); sealed[0] != sealVersion || !bytes.Equal(sealed[1:1+keyIDLen], id[:]) {
		t.Fatal("the sealed bytes do not name the key")
	}
	if got, err := s.Open(sealed, "totp:42"); err != nil || string(got) != "JBSWY3DPEHPK3PXP" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if bytes.Equal(sealed, s.Seal([]byte("JBSWY3DPEHPK3PXP"), "totp:42")) {
		t.Fatal("two seals of one secret are equal: the nonce is not fresh")
	}
	if _, err := s.Open(sealed, "totp:43"); err != ErrSealed {
		t.Fatalf("opened under another user's context: %v", err)
	}
	tampered := bytes.Clone(sealed)
	tampered[len(tampered)-1] ^= 1
	if _, err := s.Open(tampered, "totp:42"); err != ErrSealed {
		t.Fatalf("opened tampered bytes: %v", err)
	}
	for _, short := range [][]byte{nil, {1}, sealed[:sealHeader+5]} {
		if _, err := s.Open(short, "totp:42"); err != ErrSealed {
			t.Fatalf("opened %d bytes: %v", len(short), err)
		}
	}
	if _, err := NewSealer(key[:16]); err == nil {
		t.Fatal("a 16-byte key was accepted")
	}
}

// TestSealer_KeyRotation: a sealer with a new key and the old one opens both and seals
// with the new; one with the new key alone refuses the old key's.
func TestSealer_KeyRotation(t *testing.T) {
	oldKey, newKey := bytes.Repeat([]byte{1}, SecretKeyLen), bytes.Repeat([]byte{2}, SecretKeyLen)
	old, _ := NewSealer(oldKey)
	sealedOld := old.Seal([]byte("secret"), "c")
	both, err := NewSealer(newKey, oldKey)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := both.Open(sealedOld, "c"); err != nil || string(got) != "secret" {
		t.Fatalf("the rotated sealer cannot open the old key's: %v", err)
	}
	if both.SealedWith(sealedOld) || !both.SealedWith(both.Seal([]byte("x"), "c")) {
		t.Fatal("SealedWith does not tell the keys apart")
	}
	onlyNew, _ := NewSealer(newKey)
	if _, err := onlyNew.Open(sealedOld, "c"); err != ErrSealed {
		t.Fatalf("opened with a key it was not given: %v", err)
	}
	if len(DevelopmentSecretKey) != SecretKeyLen {
		t.Fatal("the development key is not a key")
	}
}

func FuzzSealerOpen(f *testing.F) {
	s, _ := NewSealer(bytes.Repeat([]byte{3}, SecretKeyLen))
	f.Add(s.Seal([]byte("JBSWY3DPEHPK3PXP"), "totp:1"), "totp:1")
	f.Add([]byte{}, "")
	f.Add([]byte{1, 2, 3}, "totp:1")
	f.Fuzz(func(t *testing.T, b []byte, context string) {
		plain, err := s.Open(b, context)
		if err != nil {
			return
		}
		// Whatever opens was sealed by this key: sealing it again opens to the same.
		if again, err := s.Open(s.Seal(plain, context), context); err != nil || !bytes.Equal(again, plain) {
			t.Fatalf("re-sealed %q does not open: %v", plain, err)
		}
	})
}
