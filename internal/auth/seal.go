package auth

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
)

// Secrets kept at rest (TOTP secrets, SSO client secrets, SAML service-provider keys)
// are sealed with AES-256-GCM under ATRIUM_SECRET_KEY. The sealed form names the key
// that sealed it:
//
//	version (1 byte, 1) | key id (8 bytes) | nonce (12 bytes) | ciphertext and tag
//
// where the key id is the first 8 bytes of the key's SHA-256. A Sealer seals with one
// key and opens with that key or any older one it was given (ATRIUM_SECRET_KEY_OLD),
// so the key can be rotated: start with the new key and the old ones; a value moves to
// the new key only when it is sealed anew, and an old key can be dropped once no value
// names it (SealedWith tells a value sealed with an older key).

// SecretKeyLen is the length of a secret key: 32 bytes (AES-256).
const SecretKeyLen = 32

const (
	sealVersion = 1
	keyIDLen    = 8
	sealHeader  = 1 + keyIDLen
)

// DevelopmentSecretKey is the fixed key used when ATRIUM_DEV is on and no
// ATRIUM_SECRET_KEY is set. It is public (derived from this sentence), so secrets
// sealed with it are not protected: for development only.
var DevelopmentSecretKey = func() []byte {
	k := sha256.Sum256([]byte("atrium development secret key: public, never use it in production"))
	return k[:]
}()

// ErrSealed is returned for sealed bytes that cannot be opened: not sealed by Atrium,
// tampered with, bound to something else, or sealed with a key this Sealer lacks.
var ErrSealed = errors.New("auth: sealed secret cannot be opened")

// Sealer seals and opens secrets. It is safe for concurrent use.
type Sealer struct {
	id    [keyIDLen]byte
	aeads map[[keyIDLen]byte]cipher.AEAD
}

// NewSealer returns a Sealer that seals with key and opens what key or any of older
// sealed. Every key must be SecretKeyLen bytes.
func NewSealer(key []byte, older ...[]byte) (*Sealer, error) {
	s := &Sealer{aeads: map[[keyIDLen]byte]cipher.AEAD{}}
	for i, k := range append([][]byte{key}, older...) {
		if len(k) != SecretKeyLen {
			return nil, fmt.Errorf("auth: a secret key is %d bytes, not %d", SecretKeyLen, len(k))
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		id := KeyID(k)
		if i == 0 {
			s.id = id
		}
		s.aeads[id] = aead
	}
	return s, nil
}

// KeyID is how sealed bytes name the key that sealed them: the first 8 bytes of the
// key's SHA-256.
func KeyID(key []byte) [keyIDLen]byte {
	sum := sha256.Sum256(key)
	var id [keyIDLen]byte
	copy(id[:], sum[:keyIDLen])
	return id
}

// Seal encrypts plaintext bound to context (e.g. "totp:42"): the sealed bytes open only
// with the same context, so they cannot be moved to another user or purpose.
func (s *Sealer) Seal(plaintext []byte, context string) []byte {
	aead := s.aeads[s.id]
	out := make([]byte, sealHeader, sealHeader+aead.NonceSize()+len(plaintext)+aead.Overhead())
	out[0] = sealVersion
	copy(out[1:], s.id[:])
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	out = append(out, nonce...)
	return aead.Seal(out, nonce, plaintext, additionalData(out[:sealHeader], context))
}

// Open decrypts what Seal sealed under the same context, or gives ErrSealed.
func (s *Sealer) Open(sealed []byte, context string) ([]byte, error) {
	if len(sealed) < sealHeader || sealed[0] != sealVersion {
		return nil, ErrSealed
	}
	var id [keyIDLen]byte
	copy(id[:], sealed[1:sealHeader])
	aead, ok := s.aeads[id]
	if !ok || len(sealed) < sealHeader+aead.NonceSize()+aead.Overhead() {
		return nil, ErrSealed
	}
	nonce := sealed[sealHeader : sealHeader+aead.NonceSize()]
	plain, err := aead.Open(nil, nonce, sealed[sealHeader+aead.NonceSize():], additionalData(sealed[:sealHeader], context))
	if err != nil {
		return nil, ErrSealed
	}
	return plain, nil
}

// SealedWith reports whether sealed names the key this Sealer seals with (false: it
// was sealed with an older key and should be sealed again).
func (s *Sealer) SealedWith(sealed []byte) bool {
	return len(sealed) >= sealHeader && sealed[0] == sealVersion && bytes.Equal(sealed[1:sealHeader], s.id[:])
}

// additionalData binds the header and the context to the ciphertext.
func additionalData(header []byte, context string) []byte {
	return append(append([]byte(nil), header...), context...)
}
