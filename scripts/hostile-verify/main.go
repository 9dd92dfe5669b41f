// Command hostile-verify sends many large hostile PDFs to a kipass server's
// public POST /api/v1/verify at once and reports how each was answered and
// how long it took. It is the load half of scripts/hostile-verify.sh, which
// also measures the server's peak memory; docs/PERFORMANCE.md records the
// figures. It talks only to a loopback address and sends at most 64
// uploads of at most 5 MiB, once.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8099", "the kipass server (loopback only)")
	n := flag.Int("n", 48, "parallel uploads (at most 64)")
	size := flag.Int("size", 4<<20, "bytes per upload (at most 5 MiB)")
	flag.Parse()
	if err := run(*base, *n, *size); err != nil {
		fmt.Fprintln(os.Stderr, "hostile-verify:", err)
		os.Exit(1)
	}
}

// hostilePDF is an unsigned PDF of nested arrays, each within any depth
// limit, size bytes long: the shape that cost a parser 150 MB of heap.
func hostilePDF(size int) []byte {
	unit := strings.Repeat("[", 30) + strings.Repeat("]", 30) + " "
	doc := "%PDF-1.4\n1 0 obj\n[" + strings.Repeat(unit, size/len(unit)) + "]\nendobj\n"
	xref := len(doc)
	doc += "xref\n0 2\n0000000000 65535 f \n0000000009 00000 n \n"
	doc += fmt.Sprintf("trailer\n<< /Size 2 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", xref)
	return []byte(doc)
}

type answer struct {
	status  int
	reason  string
	elapsed time.Duration
	err     error
}

func run(base string, n, size int) error {
	u, err := url.Parse(base)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("%s is not a loopback address", base)
	}
	if n < 1 || n > 64 || size < 1 || size > 5<<20 {
		return fmt.Errorf("-n must be 1-64 and -size at most 5 MiB")
	}
	pdf := hostilePDF(size)
	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxConnsPerHost: n, MaxIdleConnsPerHost: n}}
	answers := make([]answer, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			t0 := time.Now()
			res, err := client.Post(strings.TrimRight(base, "/")+"/api/v1/verify", "application/pdf", bytes.NewReader(pdf))
			a := answer{err: err}
			if err == nil {
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				a.status = res.StatusCode
				var v struct {
					Reason string `json:"reason"`
					Error  struct {
						Code string `json:"code"`
					} `json:"error"`
				}
				json.Unmarshal(b, &v)
				a.reason = v.Reason + v.Error.Code
			}
			a.elapsed = time.Since(t0)
			answers[i] = a
		}()
	}
	t0 := time.Now()
	close(start)
	wg.Wait()
	wall := time.Since(t0)

	counts := map[string]int{}
	var times []time.Duration
	for _, a := range answers {
		key := fmt.Sprintf("%d %s", a.status, a.reason)
		if a.err != nil {
			key = "error: " + a.err.Error()
		}
		counts[key]++
		times = append(times, a.elapsed)
	}
	slices.Sort(times)
	fmt.Printf("%d parallel uploads of %d bytes (unsigned PDF, nested arrays) to %s/api/v1/verify\n", n, len(pdf), base)
	for k, c := range counts {
		fmt.Printf("  %3d answered %s\n", c, k)
	}
	fmt.Printf("latency: median %v, 95th percentile %v, slowest %v; all answered in %v\n",
		times[len(times)/2].Round(time.Millisecond), times[len(times)*95/100].Round(time.Millisecond), times[len(times)-1].Round(time.Millisecond), wall.Round(time.Millisecond))
	for _, a := range answers {
		if a.err != nil || a.status >= 500 && a.status != http.StatusServiceUnavailable {
			return fmt.Errorf("an upload failed: %d %v", a.status, a.err)
		}
	}
	return nil
}
