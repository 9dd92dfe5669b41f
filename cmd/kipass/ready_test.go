package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestStartingHandler(t *testing.T) {
	for _, tc := range []struct{ method, path, ctype, body string }{
		{"GET", "/healthz", "text/plain", "starting"},
		{"GET", "/api/v1/courses", "application/json", `"code":"starting"`},
		{"POST", "/api/v1/attempts/x/submit", "application/json", `"code":"starting"`},
		{"GET", "/", "text/plain", "kipass is starting"},
		{"HEAD", "/verify", "text/plain", ""},
	} {
		w := httptest.NewRecorder()
		startingHandler(w, httptest.NewRequest(tc.method, tc.path, nil))
		res := w.Result()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 503 || res.Header.Get("Retry-After") != "1" || res.Header.Get("Connection") != "close" ||
			!strings.HasPrefix(res.Header.Get("Content-Type"), tc.ctype) || !strings.Contains(string(b), tc.body) {
			t.Errorf("%s %s: %d %v %q", tc.method, tc.path, res.StatusCode, res.Header, b)
		}
		if tc.body == "" && len(b) > 0 {
			t.Errorf("HEAD with a body: %q", b)
		}
		if tc.ctype == "application/json" && !json.Valid(b) {
			t.Errorf("%s: invalid JSON %s", tc.path, b)
		}
	}
}

// serve listens before it opens the database: while it starts, /healthz
// says 503 "starting" and every other request gets 503 with Retry-After;
// then the same address serves the app. A connection that sent nothing
// during the start does not delay the hand-over.
func TestServeAnswers503UntilReady(t *testing.T) {
	starting := make(chan net.Addr)
	release := make(chan struct{})
	hooks := serveHooks{starting: func(addr net.Addr) {
		starting <- addr
		<-release
	}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, []string{"--addr", "127.0.0.1:0", "--data", t.TempDir()}, env{getenv: envFrom(nil), stdin: strings.NewReader(""), stdout: &out, stderr: &errb}, hooks)
	}()
	var addr net.Addr
	select {
	case addr = <-starting:
	case err := <-done:
		t.Fatalf("serve ended: %v %s", err, errb.String())
	}
	base := "http://" + addr.String()
	// Keep-alive off: every request is a new connection, as a fresh probe's is.
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	get := func(path string) (int, string, http.Header) {
		t.Helper()
		res, err := hc.Get(base + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b), res.Header
	}
	if code, body, h := get("/healthz"); code != 503 || body != "starting" || h.Get("Retry-After") == "" {
		t.Fatalf("healthz while starting: %d %q %v", code, body, h)
	}
	if code, body, h := get("/api/v1/me"); code != 503 || !strings.Contains(body, `"starting"`) || h.Get("Retry-After") != "1" {
		t.Fatalf("API while starting: %d %q", code, body)
	}
	res, err := hc.Post(base+"/api/v1/register", "application/json", strings.NewReader(`{"name":"E","email":"e@example.com","password":"correct horse battery"}`))
	if err != nil || res.StatusCode != 503 {
		t.Fatalf("register while starting: %v %v", res, err)
	}
	res.Body.Close()
	if strings.Contains(out.String(), "running at") {
		t.Fatal("URL printed before the app is ready")
	}
	silent, err := net.Dial("tcp", addr.String())
	must(t, err)
	defer silent.Close()

	released := time.Now()
	close(release)
	for !strings.Contains(out.String(), "running at") {
		select {
		case err := <-done:
			t.Fatalf("serve ended: %v %s", err, errb.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
	if d := time.Since(released); d > 3*time.Second {
		t.Fatalf("hand-over took %s", d)
	}
	if code, body, _ := get("/healthz"); code != 200 || body != "ok" {
		t.Fatalf("healthz when ready: %d %q", code, body)
	}
	if code, _, _ := get("/"); code != 200 {
		t.Fatalf("home when ready: %d", code)
	}
	// The connection that never sent a request was dropped at the hand-over.
	silent.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := silent.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("silent connection: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
}

// A database that cannot be opened ends the start with exit code 1 and one
// line, also while the listener already answers 503.
func TestServeDatabaseErrorWhileStarting(t *testing.T) {
	data := t.TempDir()
	must(t, os.Mkdir(filepath.Join(data, "kipass.db"), 0o700))
	var out, errb syncBuffer
	err := run(context.Background(), []string{"kipass", "serve", "--addr", "127.0.0.1:0", "--data", data}, envFrom(nil), strings.NewReader(""), &out, &errb)
	if exitCode(err) != 1 || !strings.Contains(errb.String(), "cannot open the database") {
		t.Fatalf("%v %q", err, errb.String())
	}
}

// Closing the tracking listener closes the connections that have not sent
// a byte and leaves those with a request in progress alone.
func TestTrackingListenerClosesFreshConnections(t *testing.T) {
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	ln := newTrackingListener(raw)
	defer ln.Close()
	accepted := make(chan net.Conn, 2)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	fresh, err := net.Dial("tcp", raw.Addr().String())
	must(t, err)
	defer fresh.Close()
	used, err := net.Dial("tcp", raw.Addr().String())
	must(t, err)
	defer used.Close()
	serverSide := map[string]net.Conn{}
	for range 2 {
		c := <-accepted
		serverSide[c.RemoteAddr().String()] = c
	}
	usedSrv := serverSide[used.LocalAddr().String()]
	_, err = used.Write([]byte("G"))
	must(t, err)
	if n, err := usedSrv.Read(make([]byte, 1)); n != 1 || err != nil {
		t.Fatalf("read: %d %v", n, err)
	}

	must(t, ln.Close())
	must(t, ln.Close()) // twice is fine
	fresh.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := fresh.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("fresh connection not closed: %v", err)
	}
	if _, err := usedSrv.Write([]byte("HTTP/1.1 200 OK\r\n\r\n")); err != nil {
		t.Fatalf("connection with a request was closed: %v", err)
	}
	used.SetReadDeadline(time.Now().Add(2 * time.Second))
	if n, err := used.Read(make([]byte, 8)); n == 0 || err != nil {
		t.Fatalf("client did not get the answer: %d %v", n, err)
	}
	if _, err := net.Dial("tcp", raw.Addr().String()); err == nil {
		t.Fatal("listener still accepts")
	}
}
