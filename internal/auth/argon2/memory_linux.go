//go:build linux

package argon2

import (
	"runtime"
	"syscall"
	"unsafe"
)

// hugePage is the size of a transparent huge page on the platforms we run on.
const hugePage = 2 << 20

// mapBlocks maps n blocks aligned to a huge page and advises the kernel to back them
// with huge pages. It returns nil for small memories (the Go heap serves those) and
// when mapping fails.
func mapBlocks(n int) *Memory {
	size := n * blockBytes
	if size < hugePage {
		return nil
	}
	// Whole huge pages, aligned: map one more so an aligned start fits inside.
	whole := (size + hugePage - 1) / hugePage * hugePage
	region, err := syscall.Mmap(-1, 0, whole+hugePage, syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return nil
	}
	start := uintptr(unsafe.Pointer(unsafe.SliceData(region)))
	off := int((hugePage - start%hugePage) % hugePage)
	aligned := region[off : off+whole]
	// Advice only: without transparent huge pages the memory works with small pages.
	_ = syscall.Madvise(aligned, syscall.MADV_HUGEPAGE)
	m := &Memory{blocks: unsafe.Slice((*block)(unsafe.Pointer(unsafe.SliceData(aligned))), n)}
	runtime.AddCleanup(m, func(r []byte) { _ = syscall.Munmap(r) }, region)
	return m
}
