// Command kipass-load drives the learner flow against a running kipass
// server: each virtual user registers, logs in, reads a module, starts its
// quiz and submits answers, over and over. It prints throughput and latency
// percentiles per step. It only talks to the URL it is given; use it against
// your own test server. With several URLs (comma-separated: instances on
// one PostgreSQL database) user i is served by the (i mod n)-th, as a
// proxy spreading users over instances would.
//
//	go run ./cmd/kipass-load -url http://127.0.0.1:8080 -users 200 -duration 30s
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "kipass-load:", err)
		os.Exit(1)
	}
}

type config struct {
	url      string // as given: one base URL or several, comma-separated
	urls     []string
	users    int
	duration time.Duration
	course   string
	module   string
	prefix   string
}

// stats collects latencies per step.
type stats struct {
	mu     sync.Mutex
	lat    map[string][]time.Duration
	errors map[string]int
	first  map[string]string
}

func (s *stats) add(step string, d time.Duration, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.errors[step]++
		if s.first[step] == "" {
			s.first[step] = err.Error()
		}
		return
	}
	s.lat[step] = append(s.lat[step], d)
}

func run(args []string, out io.Writer) error {
	var cfg config
	fs := flag.NewFlagSet("kipass-load", flag.ContinueOnError)
	fs.StringVar(&cfg.url, "url", "http://127.0.0.1:8080", "base URL of the kipass server under test; several instances comma-separated (user i goes to the (i mod n)-th)")
	fs.IntVar(&cfg.users, "users", 50, "concurrent virtual users")
	fs.DurationVar(&cfg.duration, "duration", 20*time.Second, "how long the quiz loop runs (after set-up)")
	fs.StringVar(&cfg.course, "course", "ki-am-arbeitsplatz", "course id")
	fs.StringVar(&cfg.module, "module", "dsgvo-grundlagen", "module id")
	fs.StringVar(&cfg.prefix, "email-prefix", fmt.Sprintf("load-%d", time.Now().Unix()), "prefix of the test accounts' emails")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.users < 1 || cfg.users > 5000 || cfg.duration <= 0 || cfg.duration > time.Hour {
		return fmt.Errorf("-users must be 1..5000 and -duration at most 1h")
	}
	for u := range strings.SplitSeq(cfg.url, ",") {
		if u = strings.TrimSpace(u); u != "" {
			cfg.urls = append(cfg.urls, u)
		}
	}
	if len(cfg.urls) == 0 {
		return fmt.Errorf("-url is empty")
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: cfg.users}}
	st := &stats{lat: map[string][]time.Duration{}, errors: map[string]int{}, first: map[string]string{}}

	// Set-up: every user registers and logs in (password hashing is slow on
	// purpose, so this phase is not timed as throughput).
	tokens := make([]string, cfg.users)
	setupStart := time.Now()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			base := cfg.urls[i%len(cfg.urls)]
			email := fmt.Sprintf("%s-%d@example.com", cfg.prefix, i)
			body := map[string]string{"name": fmt.Sprintf("Load User %d", i), "email": email, "password": "load test password"}
			st.timed("register", func() error { _, err := call(client, "POST", base+"/api/v1/register", "", body, 201); return err })
			st.timed("login", func() error {
				b, err := call(client, "POST", base+"/api/v1/login", "", map[string]string{"email": email, "password": "load test password"}, 200)
				if err == nil {
					var r struct{ Token string }
					err = json.Unmarshal(b, &r)
					tokens[i] = r.Token
				}
				return err
			})
		}()
	}
	wg.Wait()
	ready := 0
	for _, tok := range tokens {
		if tok != "" {
			ready++
		}
	}
	setupCPU, _ := ownCPU()
	fmt.Fprintf(out, "kipass-load: set-up: %d of %d users registered and logged in in %s\n", ready, cfg.users, time.Since(setupStart).Round(time.Millisecond))

	ctx, cancel := context.WithTimeout(context.Background(), cfg.duration)
	defer cancel()
	start := time.Now()
	var loops sync.WaitGroup
	for i, tok := range tokens {
		if tok == "" {
			continue
		}
		base := cfg.urls[i%len(cfg.urls)]
		loops.Add(1)
		go func() {
			defer loops.Done()
			rng := rand.New(rand.NewPCG(rand.Uint64(), 0))
			for ctx.Err() == nil {
				st.timed("read module", func() error {
					_, err := call(client, "GET", base+"/courses/"+cfg.course+"/"+cfg.module, tok, nil, 200)
					return err
				})
				var att struct {
					AttemptID string `json:"attempt_id"`
					Questions []struct {
						ID      string `json:"id"`
						Options []struct {
							ID string `json:"id"`
						} `json:"options"`
					} `json:"questions"`
				}
				err := st.timed("start attempt", func() error {
					b, err := call(client, "POST", base+"/api/v1/courses/"+cfg.course+"/modules/"+cfg.module+"/attempts", tok, nil, 201)
					if err == nil {
						err = json.Unmarshal(b, &att)
					}
					return err
				})
				if err != nil {
					continue
				}
				answers := map[string][]string{}
				for _, q := range att.Questions {
					answers[q.ID] = []string{q.Options[rng.IntN(len(q.Options))].ID}
				}
				// The answers so far are saved once as a draft, as the exam
				// page's script does on every change.
				st.timed("save draft", func() error {
					_, err := call(client, "PUT", base+"/api/v1/attempts/"+att.AttemptID+"/answers", tok, map[string]any{"answers": answers}, 204)
					return err
				})
				st.timed("submit", func() error {
					_, err := call(client, "POST", base+"/api/v1/attempts/"+att.AttemptID+"/submit", tok, map[string]any{"answers": answers}, 200)
					return err
				})
			}
		}()
	}
	loops.Wait()
	elapsed := time.Since(start)
	st.report(out, elapsed, cfg, setupCPU)
	if n := st.totalErrors(); n > 0 {
		return fmt.Errorf("%d requests failed", n)
	}
	return nil
}

func (s *stats) timed(step string, f func() error) error {
	t := time.Now()
	err := f()
	s.add(step, time.Since(t), err)
	return err
}

func (s *stats) totalErrors() int {
	n := 0
	for _, e := range s.errors {
		n += e
	}
	return n
}

func (s *stats) report(w io.Writer, elapsed time.Duration, cfg config, setupCPU time.Duration) {
	fmt.Fprintf(w, "kipass-load: %d users, quiz loop %s against %s\n", cfg.users, elapsed.Round(time.Millisecond), cfg.url)
	fmt.Fprintf(w, "%-14s %8s %8s %9s %9s %9s %9s %7s\n", "step", "count", "req/s", "p50", "p95", "p99", "max", "errors")
	steps := make([]string, 0, len(s.lat))
	for k := range s.lat {
		steps = append(steps, k)
	}
	for k := range s.errors {
		if !slices.Contains(steps, k) {
			steps = append(steps, k)
		}
	}
	order := []string{"register", "login", "read module", "start attempt", "save draft", "submit"}
	sort.Slice(steps, func(i, j int) bool { return slices.Index(order, steps[i]) < slices.Index(order, steps[j]) })
	total := 0
	for _, step := range steps {
		l := s.lat[step]
		slices.Sort(l)
		rate := "-"
		if step != "register" && step != "login" {
			rate = fmt.Sprintf("%.0f", float64(len(l))/elapsed.Seconds())
			total += len(l)
		}
		fmt.Fprintf(w, "%-14s %8d %8s %9s %9s %9s %9s %7d\n", step, len(l), rate, pct(l, 50), pct(l, 95), pct(l, 99), pct(l, 100), s.errors[step])
	}
	fmt.Fprintf(w, "quiz loop throughput: %.0f requests/s\n", float64(total)/elapsed.Seconds())
	// The generator's own CPU (set-up included): on a machine it shares
	// with the servers, this is time they did not get.
	if cpu, ok := ownCPU(); ok {
		fmt.Fprintf(w, "load generator CPU: %.1f s (quiz loop %.1f s)\n", cpu.Seconds(), (cpu - setupCPU).Seconds())
	}
	for step, msg := range s.first {
		fmt.Fprintf(w, "first error in %s: %s\n", step, msg)
	}
}

func pct(l []time.Duration, p int) string {
	if len(l) == 0 {
		return "-"
	}
	i := (len(l)*p+99)/100 - 1
	return l[max(0, min(i, len(l)-1))].Round(10 * time.Microsecond).String()
}

// call sends one JSON request and checks the status.
func call(c *http.Client, method, url, token string, body any, want int) ([]byte, error) {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != want {
		return b, fmt.Errorf("%s %s: status %d: %.200s", method, req.URL.Path, res.StatusCode, b)
	}
	return b, nil
}
