// Copyright 2017 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Package argon2 computes argon2id (RFC 9106, version 0x13) in working memory the
// caller keeps, so a server hashing passwords all day reuses a few buffers instead of
// allocating, zeroing and collecting MemoryKiB for every hash.
//
// It is derived from the argon2 package of golang.org/x/crypto v0.58.0 (BSD-3-Clause,
// LICENSE beside this file), and pinned to that version: upstream_test.go fails when
// go.mod requires another x/crypto, when a file copied unchanged no longer matches that
// version's, or when an edited file differs from it by more than the edits recorded in
// testdata/upstream. Then review the upstream changes since this version, re-derive,
// and record the new version here and in upstream_test.go.
//
// Copied unchanged: blake2b.go, blamka_amd64.go, blamka_amd64.s (the SSE4.1 block
// function) and LICENSE. BLAKE2b itself and CPU detection are imported from
// golang.org/x/crypto/blake2b and golang.org/x/sys/cpu, not copied: they follow go.mod.
//
// Deliberate differences from that version (argon2.go unless a file is named):
//   - argon2id only: no Key (argon2i), no argon2d, no secret key or associated data
//     (their lengths enter the initial hash as zero).
//   - Memory reuse: IDKey takes a *Memory (memory.go) and computes in it; without one,
//     or with one too small, it allocates its own as x/crypto does. initBlocks fills
//     the given blocks instead of allocating them, and Blocks exposes x/crypto's
//     rounding of the memory parameter.
//   - The first pass writes each block (processBlock) instead of XOR-ing it into
//     zeroed memory (processBlockXOR): the same value, RFC 9106 section 3.2, so reused
//     memory needs no clearing. Later passes XOR as x/crypto does.
//   - A single lane runs on the calling goroutine, calling runtime.Gosched between
//     segments, instead of a new goroutine per segment; several lanes still get one
//     goroutine each per segment (with sync.WaitGroup.Go).
//   - Huge pages: on Linux a Memory of 2 MiB or more is mapped aligned to 2 MiB and
//     advised MADV_HUGEPAGE, then unmapped once unreachable (memory_linux.go); smaller
//     ones and other systems use the Go heap (memory_other.go).
//   - loong64 dropped: its LSX assembly (blamka_loong64.go, blamka_loong64.s) is not
//     copied, so loong64 runs the generic code; blamka_ref.go's build line and
//     blamka_generic.go's useLSX flag lose loong64 with it.
//   - blamka_generic.go has a lint:ignore U1000 line: processBlockGeneric is called
//     only where the assembly is not built.
//   - Comments and the order of declarations differ; argon2_test.go replaces
//     x/crypto's tests, keeping its argon2id vectors and comparing every output with
//     x/crypto/argon2.
package argon2

import (
	"encoding/binary"
	"runtime"
	"sync"

	"golang.org/x/crypto/blake2b"
)

// Version is the argon2 version this package implements.
const Version = 0x13

const (
	argon2id    = 2
	blockLength = 128
	syncPoints  = 4
)

type block [blockLength]uint64

// Blocks reports how many 1 KiB blocks a hash of memory KiB over threads lanes uses:
// memory rounded down to a multiple of 4×threads, at least 8×threads.
func Blocks(memory uint32, threads uint8) uint32 {
	t := uint32(threads)
	memory = memory / (syncPoints * t) * (syncPoints * t)
	if memory < 2*syncPoints*t {
		memory = 2 * syncPoints * t
	}
	return memory
}

// IDKey derives a keyLen-byte argon2id key, exactly as x/crypto's argon2.IDKey does,
// computing in m. When m is nil or smaller than the parameters need, the hash uses
// memory of its own for this call. m must not be used by two calls at once.
func IDKey(m *Memory, password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
	if time < 1 {
		panic("argon2: number of rounds too small")
	}
	if threads < 1 {
		panic("argon2: parallelism degree too low")
	}
	h0 := initHash(password, salt, time, memory, uint32(threads), keyLen)
	memory = Blocks(memory, threads)
	var B []block
	if m != nil && uint32(len(m.blocks)) >= memory {
		B = m.blocks[:memory]
	} else {
		B = make([]block, memory)
	}
	initBlocks(B, &h0, uint32(threads))
	processBlocks(B, time, memory, uint32(threads))
	key := extractKey(B, memory, uint32(threads), keyLen)
	runtime.KeepAlive(m) // its pages are unmapped once m is unreachable
	return key
}

func initHash(password, salt []byte, time, memory, threads, keyLen uint32) [blake2b.Size + 8]byte {
	var (
		h0     [blake2b.Size + 8]byte
		params [24]byte
		tmp    [4]byte
	)

	b2, _ := blake2b.New512(nil)
	binary.LittleEndian.PutUint32(params[0:4], threads)
	binary.LittleEndian.PutUint32(params[4:8], keyLen)
	binary.LittleEndian.PutUint32(params[8:12], memory)
	binary.LittleEndian.PutUint32(params[12:16], time)
	binary.LittleEndian.PutUint32(params[16:20], uint32(Version))
	binary.LittleEndian.PutUint32(params[20:24], uint32(argon2id))
	b2.Write(params[:])
	binary.LittleEndian.PutUint32(tmp[:], uint32(len(password)))
	b2.Write(tmp[:])
	b2.Write(password)
	binary.LittleEndian.PutUint32(tmp[:], uint32(len(salt)))
	b2.Write(tmp[:])
	b2.Write(salt)
	// No secret key and no associated data: their lengths are zero.
	binary.LittleEndian.PutUint32(tmp[:], 0)
	b2.Write(tmp[:])
	b2.Write(tmp[:])
	b2.Sum(h0[:0])
	return h0
}

func initBlocks(B []block, h0 *[blake2b.Size + 8]byte, threads uint32) {
	var block0 [1024]byte
	memory := uint32(len(B))
	for lane := uint32(0); lane < threads; lane++ {
		j := lane * (memory / threads)
		binary.LittleEndian.PutUint32(h0[blake2b.Size+4:], lane)

		binary.LittleEndian.PutUint32(h0[blake2b.Size:], 0)
		blake2bHash(block0[:], h0[:])
		for i := range B[j+0] {
			B[j+0][i] = binary.LittleEndian.Uint64(block0[i*8:])
		}

		binary.LittleEndian.PutUint32(h0[blake2b.Size:], 1)
		blake2bHash(block0[:], h0[:])
		for i := range B[j+1] {
			B[j+1][i] = binary.LittleEndian.Uint64(block0[i*8:])
		}
	}
}

func processBlocks(B []block, time, memory, threads uint32) {
	lanes := memory / threads
	segments := lanes / syncPoints

	processSegment := func(n, slice, lane uint32) {
		var addresses, in, zero block
		dataIndependent := n == 0 && slice < syncPoints/2
		if dataIndependent {
			in[0] = uint64(n)
			in[1] = uint64(lane)
			in[2] = uint64(slice)
			in[3] = uint64(memory)
			in[4] = uint64(time)
			in[5] = uint64(argon2id)
		}

		index := uint32(0)
		if n == 0 && slice == 0 {
			index = 2 // the first two blocks come from initBlocks
			in[6]++
			processBlock(&addresses, &in, &zero)
			processBlock(&addresses, &addresses, &zero)
		}

		offset := lane*lanes + slice*segments + index
		var random uint64
		for index < segments {
			prev := offset - 1
			if index == 0 && slice == 0 {
				prev += lanes // last block in lane
			}
			if dataIndependent {
				if index%blockLength == 0 {
					in[6]++
					processBlock(&addresses, &in, &zero)
					processBlock(&addresses, &addresses, &zero)
				}
				random = addresses[index%blockLength]
			} else {
				random = B[prev][0]
			}
			newOffset := indexAlpha(random, lanes, segments, threads, n, slice, lane, index)
			if n == 0 {
				// First pass: the block is written, whatever the memory held before.
				processBlock(&B[offset], &B[prev], &B[newOffset])
			} else {
				processBlockXOR(&B[offset], &B[prev], &B[newOffset])
			}
			index, offset = index+1, offset+1
		}
	}

	for n := uint32(0); n < time; n++ {
		for slice := uint32(0); slice < syncPoints; slice++ {
			if threads == 1 {
				processSegment(n, slice, 0)
				// A hash runs for tens of milliseconds. Yielding between segments (a
				// few milliseconds apart) lets a busy server's other goroutines run
				// without the runtime having to preempt the hash by signal, which
				// costs more and keeps the runtime's monitor polling in a tight loop.
				runtime.Gosched()
				continue
			}
			var wg sync.WaitGroup
			for lane := uint32(0); lane < threads; lane++ {
				wg.Go(func() { processSegment(n, slice, lane) })
			}
			wg.Wait()
		}
	}
}

func extractKey(B []block, memory, threads, keyLen uint32) []byte {
	lanes := memory / threads
	for lane := uint32(0); lane < threads-1; lane++ {
		for i, v := range B[(lane*lanes)+lanes-1] {
			B[memory-1][i] ^= v
		}
	}

	var block [1024]byte
	for i, v := range B[memory-1] {
		binary.LittleEndian.PutUint64(block[i*8:], v)
	}
	key := make([]byte, keyLen)
	blake2bHash(key, block[:])
	return key
}

func indexAlpha(rand uint64, lanes, segments, threads, n, slice, lane, index uint32) uint32 {
	refLane := uint32(rand>>32) % threads
	if n == 0 && slice == 0 {
		refLane = lane
	}
	m, s := 3*segments, ((slice+1)%syncPoints)*segments
	if lane == refLane {
		m += index
	}
	if n == 0 {
		m, s = slice*segments, 0
		if slice == 0 || lane == refLane {
			m += index
		}
	}
	if index == 0 || lane == refLane {
		m--
	}
	return phi(rand, uint64(m), uint64(s), refLane, lanes)
}

func phi(rand, m, s uint64, lane, lanes uint32) uint32 {
	p := rand & 0xFFFFFFFF
	p = (p * p) >> 32
	p = (p * m) >> 32
	return lane*lanes + uint32((s+m-(p+1))%uint64(lanes))
}
