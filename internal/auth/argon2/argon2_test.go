package argon2

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"testing"

	xargon2 "golang.org/x/crypto/argon2"
)

// The RFC 9106 argon2id test vector has a secret and associated data, which this
// package leaves out; x/crypto's own vector without them stands in, and every case
// below is compared with x/crypto/argon2 itself.
func TestIDKeyMatchesReference(t *testing.T) {
	cases := []struct {
		time, memory uint32
		threads      uint8
	}{
		{1, 8, 1}, {1, 64, 1}, {2, 64, 1}, {3, 32, 4}, {2, 256, 2}, {1, 1000, 3}, {4, 4096, 1}, {2, 19 * 1024, 1},
	}
	for _, sse := range sseModes() {
		useSSE4 = sse
		for _, c := range cases {
			name := fmt.Sprintf("sse=%v/t=%d,m=%d,p=%d", sse, c.time, c.memory, c.threads)
			pw, salt := []byte("correct horse "+name), []byte("saltsaltsaltsalt")
			want := xargon2.IDKey(pw, salt, c.time, c.memory, c.threads, 32)
			if got := IDKey(nil, pw, salt, c.time, c.memory, c.threads, 32); !bytes.Equal(got, want) {
				t.Errorf("%s without memory: got %x, want %x", name, got, want)
			}
			// Reused memory full of another hash's blocks must give the same key.
			m := NewMemory(c.memory * uint32(c.threads))
			dirty(m)
			for range 2 {
				if got := IDKey(m, pw, salt, c.time, c.memory, c.threads, 32); !bytes.Equal(got, want) {
					t.Errorf("%s in reused memory: got %x, want %x", name, got, want)
				}
			}
		}
	}
}

func TestIDKeyKnownAnswer(t *testing.T) {
	// x/crypto/argon2's argon2id test vectors: "password", "somesalt", 24-byte keys.
	vectors := []struct {
		time, memory uint32
		threads      uint8
		hash         string
	}{
		{1, 64, 1, "655ad15eac652dc59f7170a7332bf49b8469be1fdb9c28bb"},
		{2, 64, 1, "068d62b26455936aa6ebe60060b0a65870dbfa3ddf8d41f7"},
		{2, 64, 2, "350ac37222f436ccb5c0972f1ebd3bf6b958bf2071841362"},
		{3, 256, 2, "4668d30ac4187e6878eedeacf0fd83c5a0a30db2cc16ef0b"},
		{4, 4096, 4, "145db9733a9f4ee43edf33c509be96b934d505a4efb33c5a"},
		{4, 1024, 8, "8dafa8e004f8ea96bf7c0f93eecf67a6047476143d15577f"},
		{2, 64, 3, "4a15b31aec7c2590b87d1f520be7d96f56658172deaa3079"},
		{3, 1024, 6, "1640b932f4b60e272f5d2207b9a9c626ffa1bd88d2349016"},
	}
	m := NewMemory(4096)
	dirty(m)
	for _, v := range vectors {
		got := hex.EncodeToString(IDKey(m, []byte("password"), []byte("somesalt"), v.time, v.memory, v.threads, 24))
		if got != v.hash {
			t.Errorf("t=%d m=%d p=%d: got %s, want %s", v.time, v.memory, v.threads, got, v.hash)
		}
	}
}

func TestSmallMemoryFallsBackToItsOwn(t *testing.T) {
	m := NewMemory(16)
	want := xargon2.IDKey([]byte("pw"), []byte("saltsalt"), 1, 4096, 1, 32)
	if got := IDKey(m, []byte("pw"), []byte("saltsalt"), 1, 4096, 1, 32); !bytes.Equal(got, want) {
		t.Fatalf("memory too small for the parameters: got %x, want %x", got, want)
	}
}

func TestLargeMemoryIsMappedAligned(t *testing.T) {
	m := NewMemory(19 * 1024)
	if m.Len() != 19*1024 {
		t.Fatalf("Len = %d, want %d", m.Len(), 19*1024)
	}
	dirty(m)
}

func dirty(m *Memory) {
	for i := range m.blocks {
		for j := range m.blocks[i] {
			m.blocks[i][j] = uint64(i*131 + j*7 + 1)
		}
	}
}

func sseModes() []bool {
	if useSSE4 {
		return []bool{true, false}
	}
	return []bool{false}
}

func BenchmarkIDKey19MiB(b *testing.B) {
	pw, salt := []byte("password"), []byte("saltsaltsaltsalt")
	b.Run("x/crypto", func(b *testing.B) {
		for b.Loop() {
			xargon2.IDKey(pw, salt, 2, 19*1024, 1, 32)
		}
	})
	b.Run("reused memory", func(b *testing.B) {
		m := NewMemory(19 * 1024)
		for b.Loop() {
			IDKey(m, pw, salt, 2, 19*1024, 1, 32)
		}
	})
}
