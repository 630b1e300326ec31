package couponsd

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// testServer is the real couponsd binary on a free loopback port with a
// temporary data directory; its stderr goes to a log printed on failure.
type testServer struct {
	t     *testing.T
	addr  string
	dir   string
	args  []string
	cmd   *exec.Cmd
	log   string
	alive bool
}

func serverBinary(t *testing.T) string {
	bin := os.Getenv("COUPONSD_BIN")
	if bin == "" {
		bin = filepath.Join("..", "..", "target", "debug", "couponsd")
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("couponsd binary %s: %v (set COUPONSD_BIN)", bin, err)
	}
	return bin
}

func freePort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// prepareServer picks the address and directory without starting anything.
func prepareServer(t *testing.T) *testServer {
	dir := t.TempDir()
	return &testServer{t: t, addr: freePort(t), dir: dir, log: filepath.Join(dir, "couponsd.log")}
}

// startServer starts a server with extra serve flags and waits until it
// accepts connections.
func startServer(t *testing.T, extra ...string) *testServer {
	s := prepareServer(t)
	s.launch(extra...)
	return s
}

func (s *testServer) launch(extra ...string) {
	t := s.t
	s.args = append([]string{"serve", "--listen", s.addr, "--data", filepath.Join(s.dir, "data")}, extra...)
	logFile, err := os.OpenFile(s.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(serverBinary(t), s.args...)
	cmd.Stderr = logFile
	cmd.Env = append(os.Environ(), "COUPONSD_LOG=info")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	logFile.Close()
	s.cmd = cmd
	s.alive = true
	t.Cleanup(func() {
		s.kill()
		if t.Failed() {
			t.Logf("--- couponsd %s log:\n%s", s.addr, s.logText())
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("couponsd on %s did not come up: %v\n%s", s.addr, err, s.logText())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *testServer) logText() string {
	b, _ := os.ReadFile(s.log)
	return string(b)
}

// kill sends SIGKILL: no shutdown path runs.
func (s *testServer) kill() {
	if s.alive && s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGKILL)
		_, _ = s.cmd.Process.Wait()
	}
	s.alive = false
}

// client connects to this server alone.
func (s *testServer) client(t *testing.T, opts Options) *Client {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := Dial(ctx, []string{s.addr}, opts)
	if err != nil {
		t.Fatalf("dial %s: %v", s.addr, err)
	}
	t.Cleanup(c.Close)
	return c
}

// startCluster starts n nodes on loopback that form one cluster.
func startCluster(t *testing.T, n int) []*testServer {
	nodes := make([]*testServer, n)
	var peers []string
	for i := range nodes {
		nodes[i] = prepareServer(t)
		peers = append(peers, fmt.Sprintf("%d=%s", i+1, nodes[i].addr))
	}
	for i, node := range nodes {
		node.launch("--node-id", fmt.Sprint(i+1), "--peers", strings.Join(peers, ","))
	}
	return nodes
}

// leaderOf waits until every running node agrees on a leader; its index.
func leaderOf(t *testing.T, nodes []*testServer, within time.Duration) int {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if i, ok := agreedLeader(nodes); ok {
			return i
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no leader within %v", within)
	return -1
}

func agreedLeader(nodes []*testServer) (int, bool) {
	var leader uint64
	for _, n := range nodes {
		if !n.alive {
			continue
		}
		st, err := nodeStatus(n.addr)
		if err != nil || st.LeaderID == 0 || (leader != 0 && leader != st.LeaderID) {
			return 0, false
		}
		leader = st.LeaderID
	}
	i := int(leader) - 1
	if i < 0 || i >= len(nodes) || !nodes[i].alive {
		return 0, false
	}
	st, err := nodeStatus(nodes[i].addr)
	if err != nil || st.Role != NodeRoleLeader {
		return 0, false
	}
	return i, true
}

func nodeStatus(addr string) (*ClusterStatus, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	c, err := Dial(ctx, []string{addr}, Options{PoolSize: 1, NoLeaderFollowing: true})
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.ClusterStatus(ctx)
}
