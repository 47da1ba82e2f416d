package auth

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestDefaultParams_MeetOWASPMinimum(t *testing.T) {
	if DefaultParams.MemoryKiB < 19*1024 || DefaultParams.Iterations < 2 || DefaultParams.Parallelism != 1 {
		t.Fatalf("argon2id parameters below m=19MiB t=2 p=1: %+v", DefaultParams)
	}
	h, err := NewHasher(DefaultParams, 1).Hash(context.Background(), "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("encoded hash %q", h)
	}
}

func TestVerify(t *testing.T) {
	ctx := context.Background()
	h := NewHasher(Params{MemoryKiB: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}, 2)
	enc, err := h.Hash(ctx, "pässwörd with ünicode")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Verify(ctx, "pässwörd with ünicode", enc); err != nil {
		t.Fatalf("right password refused: %v", err)
	}
	if _, err := h.Verify(ctx, "pässwörd with ünicodE", enc); err != ErrMismatch {
		t.Fatalf("wrong password: %v", err)
	}
	before := h.Computations()
	if _, err := h.Verify(ctx, "anything", ""); err != ErrMismatch {
		t.Fatalf("empty hash accepted: %v", err)
	}
	if h.Computations()-before != 1 {
		t.Fatal("verifying against no hash did not cost one hash computation")
	}
	again, _ := h.Hash(ctx, "pässwörd with ünicode")
	if again == enc {
		t.Fatal("two hashes of one password share a salt")
	}
}

func TestVerify_RehashWhenParametersRise(t *testing.T) {
	ctx := context.Background()
	weak := NewHasher(Params{MemoryKiB: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}, 1)
	strong := NewHasher(Params{MemoryKiB: 128, Iterations: 2, Parallelism: 1, SaltLen: 16, KeyLen: 32}, 1)
	enc, _ := weak.Hash(ctx, "password value")
	rehash, err := strong.Verify(ctx, "password value", enc)
	if err != nil || !rehash {
		t.Fatalf("rehash=%v err=%v, want true, nil", rehash, err)
	}
	enc2, _ := strong.Hash(ctx, "password value")
	if rehash, _ := strong.Verify(ctx, "password value", enc2); rehash {
		t.Fatal("current parameters asked for a rehash")
	}
}

func TestHasher_BoundsConcurrency(t *testing.T) {
	for _, impl := range []Impl{ImplFork, ImplXCrypto} {
		t.Run(string(impl), func(t *testing.T) { testBoundsConcurrency(t, impl) })
	}
}

func testBoundsConcurrency(t *testing.T, impl Impl) {
	h := NewHasherImpl(Params{MemoryKiB: 2048, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}, 2, impl)
	var running, peak atomic.Int32
	h.inside = func(d int) {
		n := running.Add(int32(d))
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		if d > 0 {
			time.Sleep(2 * time.Millisecond)
		}
	}
	var wg sync.WaitGroup
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = h.Hash(context.Background(), "concurrent")
		}()
	}
	wg.Wait()
	if p := peak.Load(); p > 2 || p < 1 {
		t.Fatalf("peak of %d hashes at once through a bound of 2", p)
	}
	// A cancelled context gives up waiting instead of queueing forever.
	full := NewHasherImpl(Params{MemoryKiB: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}, 1, impl)
	<-full.mem // the only memory is in use
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := full.Hash(ctx, "x"); err == nil {
		t.Fatal("hash ran with every memory in use and the context cancelled")
	}
}

func TestHasher_VerifyClaimedBoundsClaims(t *testing.T) {
	ctx := context.Background()
	h := NewHasher(Params{MemoryKiB: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}, 2)
	enc, err := h.Hash(ctx, "concurrent")
	if err != nil {
		t.Fatal(err)
	}
	// Claims run at most twice the hash bound at once, however many calls queue.
	var running, peak atomic.Int32
	var wg sync.WaitGroup
	for range 40 {
		wg.Go(func() {
			_, _ = h.VerifyClaimed(ctx, "concurrent", func() (string, error) {
				n := running.Add(1)
				for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
				}
				time.Sleep(2 * time.Millisecond)
				running.Add(-1)
				return enc, nil
			})
		})
	}
	wg.Wait()
	if p := peak.Load(); p > 4 || p < 1 {
		t.Fatalf("peak of %d claims at once with 2 hashes at a time, want at most 4", p)
	}
	// A refused claim costs no hash and its error is the answer.
	refused := errors.New("refused")
	before := h.Computations()
	if _, err := h.VerifyClaimed(ctx, "concurrent", func() (string, error) { return "", refused }); err != refused {
		t.Fatalf("refused claim: %v", err)
	}
	if n := h.Computations() - before; n != 0 {
		t.Fatalf("a refused claim hashed %d times", n)
	}
	if _, err := h.VerifyClaimed(ctx, "concurrent", func() (string, error) { return enc, nil }); err != nil {
		t.Fatalf("right password after a claim: %v", err)
	}
}

// The two implementations are interchangeable: each verifies the other's hashes.
func TestHasher_ImplsAgree(t *testing.T) {
	ctx := context.Background()
	p := Params{MemoryKiB: 256, Iterations: 2, Parallelism: 1, SaltLen: 16, KeyLen: 32}
	fork, xc := NewHasherImpl(p, 1, ImplFork), NewHasherImpl(p, 1, ImplXCrypto)
	if fork.Impl() != ImplFork || xc.Impl() != ImplXCrypto || NewHasher(p, 1).Impl() != ImplFork {
		t.Fatalf("Impl: fork %q, xcrypto %q, default %q", fork.Impl(), xc.Impl(), NewHasher(p, 1).Impl())
	}
	for _, pair := range [][2]*Hasher{{fork, xc}, {xc, fork}} {
		enc, err := pair[0].Hash(ctx, "correct horse")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pair[1].Verify(ctx, "correct horse", enc); err != nil {
			t.Errorf("%s hash refused by %s: %v", pair[0].Impl(), pair[1].Impl(), err)
		}
		if _, err := pair[1].Verify(ctx, "correct horsE", enc); err != ErrMismatch {
			t.Errorf("%s hash, wrong password through %s: %v", pair[0].Impl(), pair[1].Impl(), err)
		}
	}
}

// The bench compares the two, so each Hasher must run what its Impl says: the fork in
// the memory the Hasher holds (no allocation of the hash's memory), or x/crypto's IDKey.
func TestHasher_RunsItsImpl(t *testing.T) {
	ctx := context.Background()
	const kib = 4096
	p := Params{MemoryKiB: kib, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}
	var xcalls int
	orig := xcryptoIDKey
	defer func() { xcryptoIDKey = orig }()
	xcryptoIDKey = func(pw, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
		xcalls++
		return orig(pw, salt, time, memory, threads, keyLen)
	}
	run := func(h *Hasher) (allocated uint64, xcryptoCalls int) {
		_, _ = h.Hash(ctx, "warm up")
		xcalls = 0
		var a, b runtime.MemStats
		runtime.ReadMemStats(&a)
		for range 4 {
			if _, err := h.Hash(ctx, "correct horse"); err != nil {
				t.Fatal(err)
			}
		}
		runtime.ReadMemStats(&b)
		return (b.TotalAlloc - a.TotalAlloc) / 4, xcalls
	}
	if alloc, calls := run(NewHasherImpl(p, 1, ImplFork)); alloc >= kib<<10/4 || calls != 0 {
		t.Errorf("fork: %d bytes allocated per hash of %d KiB, %d calls of x/crypto's IDKey; want its own memory reused and none",
			alloc, kib, calls)
	}
	if _, calls := run(NewHasherImpl(p, 1, ImplXCrypto)); calls != 4 {
		t.Errorf("xcrypto: %d calls of x/crypto's IDKey for 4 hashes", calls)
	}
}

func TestParseImpl(t *testing.T) {
	for s, want := range map[string]Impl{"": ImplFork, "fork": ImplFork, "xcrypto": ImplXCrypto} {
		if got, err := ParseImpl(s); err != nil || got != want {
			t.Errorf("ParseImpl(%q) = %q, %v; want %q", s, got, err, want)
		}
	}
	for _, bad := range []string{"x/crypto", "Fork", "argon2"} {
		if _, err := ParseImpl(bad); err == nil {
			t.Errorf("ParseImpl(%q) accepted", bad)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("NewHasherImpl accepted an unknown implementation")
		}
	}()
	NewHasherImpl(Params{MemoryKiB: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}, 1, "bogus")
}

func TestCheckNewPassword(t *testing.T) {
	for pw, ok := range map[string]bool{
		"short":                     false,
		"password":                  false,
		"Password123":               false,
		"correct horse":             true,
		strings.Repeat("long ", 20): true,
		strings.Repeat("x", 257):    false,
		"ünïcødé pass":              true,
	} {
		if got := CheckNewPassword(pw) == ""; got != ok {
			t.Errorf("CheckNewPassword(%q) ok=%v, want %v", pw, got, ok)
		}
	}
}

func TestNewToken(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		tok, hash := NewToken()
		if len(tok) < 43 || seen[tok] {
			t.Fatalf("token %q too short or repeated", tok)
		}
		seen[tok] = true
		if string(hash) != string(HashToken(tok)) || strings.Contains(string(hash), tok) {
			t.Fatal("stored hash does not match the token")
		}
	}
}
