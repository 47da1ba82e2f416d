// Package auth holds credential primitives: argon2id password hashing with bounded
// concurrency, and random single-use tokens with their hashes. It runs no SQL.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	xargon2 "golang.org/x/crypto/argon2"

	"atrium/internal/auth/argon2"
)

// Params are argon2id cost parameters.
type Params struct {
	MemoryKiB   uint32
	Iterations  uint32
	Parallelism uint8
	SaltLen     int
	KeyLen      uint32
}

// DefaultParams follow OWASP's argon2id minimum: 19 MiB, two passes, one lane.
var DefaultParams = Params{MemoryKiB: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLen: 16, KeyLen: 32}

// Impl names the argon2id code a Hasher runs. Both compute the same hashes.
type Impl string

const (
	// ImplFork is internal/auth/argon2 computing in the working memory the Hasher keeps:
	// the default, and what production runs.
	ImplFork Impl = "fork"
	// ImplXCrypto is x/crypto's argon2.IDKey, which allocates and zeroes MemoryKiB for
	// every hash. It is kept so that the bench can measure the fork against it, behind
	// the same bound, on any machine.
	ImplXCrypto Impl = "xcrypto"
)

// xcryptoIDKey is what ImplXCrypto runs; tests watch it being called.
var xcryptoIDKey = xargon2.IDKey

// ParseImpl returns the Impl named s; an empty s is ImplFork.
func ParseImpl(s string) (Impl, error) {
	switch Impl(s) {
	case "", ImplFork:
		return ImplFork, nil
	case ImplXCrypto:
		return ImplXCrypto, nil
	}
	return "", fmt.Errorf("%q is not %q or %q", s, ImplFork, ImplXCrypto)
}

// ErrMismatch is returned when a password does not match its hash.
var ErrMismatch = errors.New("auth: password does not match")

// Hasher hashes and verifies passwords. It owns one working memory per hash it may
// run at once and a hash waits for a free one, so a burst of sign-ins cannot exhaust
// memory: concurrency × MemoryKiB is all the hashing ever holds, allocated once and
// reused (no per-hash allocation, zeroing or garbage). With ImplXCrypto the bound is
// the same but each hash allocates its own memory.
type Hasher struct {
	params Params
	impl   Impl
	mem    chan *argon2.Memory // with ImplXCrypto, nil tokens: the bound without memory
	// claims admits VerifyClaimed calls: twice concurrency at once (see there).
	claims chan struct{}
	dummy  string
	count  atomic.Int64
	// inside, when set, is told of each hash entering (+1) and leaving (-1) the
	// bounded section; tests use it to watch the bound hold.
	inside func(delta int)
	// waited, when set, is told how long each hash queued for its turn.
	waited func(time.Duration)
}

// ObserveWait has fn told how long each hash waits for its turn (metrics). Call it
// before the Hasher is used.
func (h *Hasher) ObserveWait(fn func(time.Duration)) { h.waited = fn }

// NewHasher returns a Hasher running at most concurrency hashes at once with ImplFork.
func NewHasher(p Params, concurrency int) *Hasher {
	return NewHasherImpl(p, concurrency, ImplFork)
}

// NewHasherImpl returns a Hasher running at most concurrency hashes at once with impl.
// It panics when impl is not ImplFork or ImplXCrypto (ParseImpl checks a name).
func NewHasherImpl(p Params, concurrency int, impl Impl) *Hasher {
	if impl != ImplFork && impl != ImplXCrypto {
		panic(fmt.Sprintf("auth: unknown argon2id implementation %q", impl))
	}
	if concurrency < 1 {
		concurrency = 1
	}
	h := &Hasher{params: p, impl: impl, mem: make(chan *argon2.Memory, concurrency), claims: make(chan struct{}, 2*concurrency)}
	for range concurrency {
		var m *argon2.Memory
		if impl == ImplFork {
			m = argon2.NewMemory(p.MemoryKiB)
		}
		h.mem <- m
	}
	h.dummy = h.encode(make([]byte, p.SaltLen), make([]byte, p.KeyLen))
	return h
}

// Impl reports which argon2id code h runs.
func (h *Hasher) Impl() Impl { return h.impl }

// Computations reports how many argon2id hashes this Hasher has computed; tests use it
// to prove that unknown emails cost the same work as wrong passwords.
func (h *Hasher) Computations() int64 { return h.count.Load() }

// Hash returns the PHC-encoded argon2id hash of password with a fresh salt.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, h.params.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key, err := h.derive(ctx, password, salt, h.params)
	if err != nil {
		return "", err
	}
	return h.encode(salt, key), nil
}

// Verify checks password against encoded. An empty encoded hash (a user without a
// password, or no user at all) is checked against a dummy hash so the caller does the
// same work either way, and always fails. It reports whether the hash should be
// recomputed because the parameters have risen.
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (rehash bool, err error) {
	if encoded == "" {
		encoded = h.dummy
		_, _ = h.verify(ctx, password, encoded)
		return false, ErrMismatch
	}
	return h.verify(ctx, password, encoded)
}

// VerifyClaimed is Verify against the hash that claim returns, with claim run only
// once this call is admitted: at most twice as many calls at once as hashes may run,
// the others wait (or give up when ctx ends). A caller that must commit to an attempt
// before its hash (a sign-in reserves its place in the throttle) does so in claim, so
// the attempts committed but not yet decided stay that few however many requests
// queue: enough for the next hash to be ready when one ends, never a crowd. When
// claim fails nothing is hashed and its error is returned.
func (h *Hasher) VerifyClaimed(ctx context.Context, password string, claim func() (encoded string, err error)) (rehash bool, err error) {
	select {
	case h.claims <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { <-h.claims }()
	encoded, err := claim()
	if err != nil {
		return false, err
	}
	return h.Verify(ctx, password, encoded)
}

func (h *Hasher) verify(ctx context.Context, password, encoded string) (bool, error) {
	p, salt, want, err := decode(encoded)
	if err != nil {
		return false, err
	}
	got, err := h.derive(ctx, password, salt, p)
	if err != nil {
		return false, err
	}
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return false, ErrMismatch
	}
	rehash := p.MemoryKiB < h.params.MemoryKiB || p.Iterations < h.params.Iterations
	return rehash, nil
}

func (h *Hasher) derive(ctx context.Context, password string, salt []byte, p Params) ([]byte, error) {
	var m *argon2.Memory
	queued := time.Now()
	select {
	case m = <-h.mem:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { h.mem <- m }()
	if h.waited != nil {
		h.waited(time.Since(queued))
	}
	h.count.Add(1)
	if h.inside != nil {
		h.inside(1)
		defer h.inside(-1)
	}
	if h.impl == ImplXCrypto {
		return xcryptoIDKey([]byte(password), salt, p.Iterations, p.MemoryKiB, p.Parallelism, p.KeyLen), nil
	}
	// A stored hash with more memory than ours computes in memory of its own.
	return argon2.IDKey(m, []byte(password), salt, p.Iterations, p.MemoryKiB, p.Parallelism, p.KeyLen), nil
}

func (h *Hasher) encode(salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		h.params.MemoryKiB, h.params.Iterations, h.params.Parallelism, b64.EncodeToString(salt), b64.EncodeToString(key))
}

func decode(encoded string) (Params, []byte, []byte, error) {
	parts := strings.Split(encoded, "$")
	var p Params
	if len(parts) != 6 || parts[1] != "argon2id" {
		return p, nil, nil, errors.New("auth: not an argon2id hash")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, errors.New("auth: unsupported argon2 version")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Iterations, &p.Parallelism); err != nil {
		return p, nil, nil, errors.New("auth: bad argon2 parameters")
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return p, nil, nil, errors.New("auth: bad salt")
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil {
		return p, nil, nil, errors.New("auth: bad key")
	}
	p.KeyLen = uint32(len(key))
	return p, salt, key, nil
}
