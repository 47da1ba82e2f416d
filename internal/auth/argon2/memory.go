package argon2

import "unsafe"

// Memory is the working memory of one hash at a time: keep one per concurrent hash
// and hand it to IDKey again and again. It holds the last hash's blocks (derived
// from a password, never the password itself) until the next hash overwrites them.
type Memory struct {
	blocks []block
}

// blockBytes is the size of one argon2 block.
const blockBytes = int(unsafe.Sizeof(block{}))

// NewMemory returns memory for hashes of up to kib KiB with one lane; more lanes need
// no more. Large memories come from pages the process maps for them alone, asking the
// kernel for huge pages (fewer page faults and TLB misses on every hash); they are
// unmapped once the Memory is unreachable.
func NewMemory(kib uint32) *Memory {
	n := int(Blocks(kib, 1))
	if b := mapBlocks(n); b != nil {
		return b
	}
	return &Memory{blocks: make([]block, n)}
}

// Len reports how many KiB of memory m holds.
func (m *Memory) Len() uint32 { return uint32(len(m.blocks)) }
