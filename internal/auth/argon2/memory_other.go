//go:build !linux

package argon2

// mapBlocks leaves memory to the Go heap where huge pages are not asked for.
func mapBlocks(int) *Memory { return nil }
