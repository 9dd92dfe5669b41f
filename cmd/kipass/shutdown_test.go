package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"kipass/internal/store/pgtest"
)

// TestProcess builds the real binary once (linking it takes seconds) and
// runs the tests that need a process of their own: signals and SIGKILL.
func TestProcess(t *testing.T) {
	bin := buildKipass(t)
	t.Run("GracefulShutdown", func(t *testing.T) { testGracefulShutdown(t, bin) })
	t.Run("InterruptIdleServer", func(t *testing.T) { testInterruptIdleServer(t, bin) })
	t.Run("CrashSafety", func(t *testing.T) { testCrashSafety(t, bin, "") })
	t.Run("CrashSafetyPostgres", func(t *testing.T) { testCrashSafety(t, bin, pgtest.SchemaURL(t)) })
}

// buildKipass builds the binary into a temporary folder.
func buildKipass(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the kipass binary; skipped with -short")
	}
	if runtime.GOOS != "linux" {
		t.Skip("process and signal tests run on linux")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build the binary")
	}
	bin := filepath.Join(t.TempDir(), "kipass")
	if out, err := exec.Command(goBin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// proc is a `kipass serve` child process.
type proc struct {
	cmd            *exec.Cmd
	url, addr      string
	stdout, stderr *syncBuffer
	done           chan struct{} // closed when the process has exited
	err            error         // from Wait, valid after done
}

// startProc starts `kipass serve --addr 127.0.0.1:0 args...` with an empty
// environment and waits until it prints its URL (it is ready then).
func startProc(t *testing.T, bin string, args ...string) *proc {
	t.Helper()
	p := &proc{stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	p.cmd.Env = []string{}
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
	})
	deadline := time.After(20 * time.Second)
	for {
		if m := urlLine.FindStringSubmatch(p.stdout.String()); m != nil {
			p.url = m[1]
			p.addr = strings.TrimPrefix(p.url, "http://")
			return p
		}
		select {
		case <-p.done:
			t.Fatalf("serve exited early: %v\n%s", p.err, p.stderr.String())
		case <-deadline:
			t.Fatalf("no URL printed; stdout %q stderr %q", p.stdout.String(), p.stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// exit waits up to d for the process to end and returns its exit code.
func (p *proc) exit(t *testing.T, d time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(d):
		t.Fatalf("still running after %s; stderr:\n%s", d, p.stderr.String())
	}
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		return ee.ExitCode()
	}
	if p.err != nil {
		t.Fatal(p.err)
	}
	return 0
}

// SIGTERM while an upload is coming in slowly: the listener closes at once
// (new connections are refused), connections that never sent a request and
// idle keep-alive connections are closed and do not hold the shutdown, the
// upload is read to the end and answered completely, and the process exits
// 0 well within the 10 s grace period.
func testGracefulShutdown(t *testing.T, bin string) {
	p := startProc(t, bin, "--data", t.TempDir())

	// A connection that never sends a request (like a browser's preconnect).
	idle, err := net.Dial("tcp", p.addr)
	must(t, err)
	defer idle.Close()
	// A keep-alive connection that served one request and waits.
	keepAlive, err := net.Dial("tcp", p.addr)
	must(t, err)
	defer keepAlive.Close()
	fmt.Fprintf(keepAlive, "GET /healthz HTTP/1.1\r\nHost: %s\r\n\r\n", p.addr)
	kaReader := bufio.NewReader(keepAlive)
	res, err := http.ReadResponse(kaReader, nil)
	must(t, err)
	io.Copy(io.Discard, res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("healthz: %d", res.StatusCode)
	}

	// The slow request: a 256 KiB upload to POST /api/v1/verify, half of it
	// sent before the signal, the rest trickled in after it.
	body := []byte(strings.Repeat("not a pdf ", 256<<10/10))
	upload, err := net.Dial("tcp", p.addr)
	must(t, err)
	defer upload.Close()
	fmt.Fprintf(upload, "POST /api/v1/verify HTTP/1.1\r\nHost: %s\r\nContent-Type: application/pdf\r\nContent-Length: %d\r\n\r\n", p.addr, len(body))
	half := len(body) / 2
	_, err = upload.Write(body[:half])
	must(t, err)
	time.Sleep(200 * time.Millisecond)

	start := time.Now()
	must(t, p.cmd.Process.Signal(syscall.SIGTERM))

	// New connections are refused soon after the signal.
	for {
		c, err := net.DialTimeout("tcp", p.addr, time.Second)
		if err != nil {
			// Refused, or reset when the listener closed during the
			// handshake (seen on a loaded machine): either way the
			// server no longer takes new connections.
			if !errors.Is(err, syscall.ECONNREFUSED) && !errors.Is(err, syscall.ECONNRESET) {
				t.Fatalf("dial after SIGTERM: %v, want connection refused", err)
			}
			break
		}
		c.Close()
		if time.Since(start) > 2*time.Second {
			t.Fatal("new connections still accepted 2 s after SIGTERM")
		}
		time.Sleep(10 * time.Millisecond)
	}
	refused := time.Since(start)

	// The idle and the keep-alive connection are closed by the server.
	idle.SetReadDeadline(time.Now().Add(3 * time.Second))
	if n, err := idle.Read(make([]byte, 1)); n != 0 || !errors.Is(err, io.EOF) {
		t.Fatalf("connection without a request not closed by the shutdown: %d %v", n, err)
	}
	keepAlive.SetReadDeadline(time.Now().Add(3 * time.Second))
	if n, err := kaReader.Read(make([]byte, 1)); n != 0 || !errors.Is(err, io.EOF) {
		t.Fatalf("idle keep-alive connection not closed by the shutdown: %d %v", n, err)
	}

	// The rest of the upload, in 8 pieces over about 800 ms.
	rest := body[half:]
	for i := range 8 {
		time.Sleep(100 * time.Millisecond)
		chunk := rest[i*len(rest)/8 : (i+1)*len(rest)/8]
		if _, err := upload.Write(chunk); err != nil {
			t.Fatalf("upload cut off after SIGTERM: %v", err)
		}
	}
	upload.SetReadDeadline(time.Now().Add(5 * time.Second))
	res, err = http.ReadResponse(bufio.NewReader(upload), nil)
	if err != nil {
		t.Fatalf("no response to the request in flight: %v", err)
	}
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("response cut off: %v", err)
	}
	var v struct{ Status, Reason string }
	if res.StatusCode != 200 || json.Unmarshal(b, &v) != nil || v.Status != "unknown" || v.Reason != "not_a_pdf" {
		t.Fatalf("in-flight upload answered %d %s", res.StatusCode, b)
	}
	if !res.Close {
		t.Error("response during shutdown lacks Connection: close")
	}

	if code := p.exit(t, shutdownGrace-time.Since(start)); code != 0 {
		t.Fatalf("exit code %d after SIGTERM; stderr:\n%s", code, p.stderr.String())
	}
	took := time.Since(start)
	// The upload took about 1 s after the signal; an idle connection
	// holding the shutdown would have made it last the whole grace period.
	if took > 4*time.Second {
		t.Fatalf("shutdown took %s", took)
	}
	if log := p.stderr.String(); !strings.Contains(log, "shutting down") || !strings.Contains(log, "stopped") {
		t.Fatalf("log: %s", log)
	}
	t.Logf("refused new connections after %s; exited 0 after %s", refused.Round(time.Millisecond), took.Round(time.Millisecond))
}

// SIGINT (Ctrl+C) with nothing in flight: exit 0 at once.
func testInterruptIdleServer(t *testing.T, bin string) {
	p := startProc(t, bin, "--data", t.TempDir())
	c, err := net.Dial("tcp", p.addr)
	must(t, err)
	defer c.Close()
	start := time.Now()
	must(t, p.cmd.Process.Signal(syscall.SIGINT))
	if code := p.exit(t, 3*time.Second); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, p.stderr.String())
	}
	t.Logf("exited after %s", time.Since(start).Round(time.Millisecond))
}
