package childproc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ErrNoModule is BuildAtrium's error outside a Go module.
var ErrNoModule = errors.New("not inside a Go module")

// BuildAtrium compiles ./cmd/atrium of the module the current directory is in (the
// atrium module) into dir/atrium, with the go command's output to out, and returns
// the binary's path.
func BuildAtrium(ctx context.Context, dir string, out io.Writer) (string, error) {
	mod, err := exec.CommandContext(ctx, goTool(), "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(mod))
	if gomod == "" || gomod == os.DevNull {
		return "", ErrNoModule
	}
	bin := filepath.Join(dir, "atrium")
	cmd := exec.CommandContext(ctx, goTool(), "build", "-o", bin, "./cmd/atrium")
	cmd.Dir = filepath.Dir(gomod)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/atrium: %w", err)
	}
	return bin, nil
}

// goTool is the go command: from PATH, else where it is usually installed.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return "/usr/local/go/bin/go"
}
