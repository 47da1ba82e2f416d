package childproc

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// FreePort is a loopback port that was free a moment ago.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// LogTail is the last n lines of the log file at path, each indented by two spaces.
// When the file cannot be read it says so, naming the log "<what> log".
func LogTail(path string, n int, what string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(no " + what + " log: " + err.Error() + ")"
	}
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "  " + string(bytes.Join(lines, []byte("\n  ")))
}

// MkdirPID makes a new directory root/prefix-<our pid>-<random> and returns its path.
// SweepPIDDirs removes it once we are gone.
func MkdirPID(root, prefix string) (string, error) {
	return os.MkdirTemp(root, fmt.Sprintf("%s-%d-", prefix, os.Getpid()))
}

// SweepPIDDirs removes the directories root/prefix-<pid>-* (made by MkdirPID) whose
// process is gone, except those busy (when not nil) reports still in use.
func SweepPIDDirs(root, prefix string, busy func(dir string) bool) {
	dirs, _ := filepath.Glob(filepath.Join(root, prefix+"-*-*"))
	for _, d := range dirs {
		rest := strings.TrimPrefix(filepath.Base(d), prefix+"-")
		pid, err := strconv.Atoi(rest[:max(strings.IndexByte(rest, '-'), 0)])
		if err != nil || pid <= 0 || Alive(pid) || (busy != nil && busy(d)) {
			continue
		}
		_ = os.RemoveAll(d)
	}
}
