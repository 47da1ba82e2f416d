package balancer

import (
	"strings"
	"testing"
)

// TestCountUp reads haproxy's CSV statistics: only the servers of backend "instances"
// that are UP count (not the frontend, the backend's own line, other proxies or
// servers down).
func TestCountUp(t *testing.T) {
	csv := `# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight
atrium,FRONTEND,,,0,1,4096,3,0,0,0,0,0,,,,,OPEN,
instances,atrium1,0,0,0,1,,1,0,0,,0,,0,0,0,0,UP,1
instances,atrium2,0,0,0,1,,1,0,0,,0,,0,0,0,0,DOWN,1
instances,atrium3,0,0,0,1,,1,0,0,,0,,0,0,0,0,UP 1/2,1
instances,atrium4,0,0,0,1,,1,0,0,,0,,0,0,0,0,UP,1
instances,BACKEND,0,0,0,1,410,2,0,0,0,0,,0,0,0,0,UP,2
stats,FRONTEND,,,1,1,4096,2,0,0,0,0,0,,,,,OPEN,
`
	n, err := countUp([]byte(csv))
	if err != nil || n != 3 {
		t.Fatalf("countUp = %d, %v; want 3 (atrium1, atrium3 up while failing a check, atrium4)", n, err)
	}
	if _, err := countUp([]byte("instances,atrium1,UP\n")); err == nil {
		t.Fatal("statistics without a header were read")
	}
}

// TestConfig: the balancer appends the client's address to X-Forwarded-For, listens on
// loopback only, checks /readyz and names every backend.
func TestConfig(t *testing.T) {
	cfg := Config(8001, 8002, []string{"127.0.0.1:9001", "127.0.0.1:9002"})
	for _, want := range []string{"option forwardfor", "bind 127.0.0.1:8001", "bind 127.0.0.1:8002", "option httpchk GET /readyz",
		"server atrium1 127.0.0.1:9001 check", "server atrium2 127.0.0.1:9002 check"} {
		if !strings.Contains(cfg, want) {
			t.Errorf("the configuration lacks %q:\n%s", want, cfg)
		}
	}
}
