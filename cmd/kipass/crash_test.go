package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"kipass/content"
	"kipass/courses"
	"kipass/internal/store"
)

// testCrashSafety (run by TestProcess): 20 clients take quizzes and exams
// against the real binary, the process is killed with SIGKILL under load,
// and after the restart everything the server acknowledged with a 2xx must
// still be there: each submitted attempt with the score that was reported,
// each certificate verifiable. The database must pass integrity_check
// straight after the kill and at the end. Three rounds. With database set
// (a PostgreSQL URL) the same runs on PostgreSQL, where the integrity
// check is PostgreSQL's own business.
//
// It fails if a response is sent before its transaction is committed, or
// if a committed write is lost when the process dies: with the commit of
// SubmitAttempt delayed by 1 ms after the answer it failed in the first
// round, every time. It cannot see power loss: after SIGKILL the operating
// system still writes out what the process wrote, so synchronous=FULL
// versus OFF makes no difference here.
func testCrashSafety(t *testing.T, bin, database string) {
	cat, err := courses.Load(content.FS())
	must(t, err)
	co, ok := cat.Course("ki-am-arbeitsplatz")
	if !ok {
		t.Fatal("no embedded course")
	}
	data := t.TempDir()
	args := []string{"--data", data, "--exam-attempts", "10000", "--quiz-cooldown", "0"}
	if database != "" {
		args = append(args, "--database", database)
	}
	started := time.Now()

	p := startProc(t, bin, args...)
	const clients, examClients = 20, 5
	tokens := make([]string, clients)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			c := &loadClient{http: http.DefaultClient, base: p.url}
			account := map[string]string{"name": fmt.Sprint("Learner ", i), "email": fmt.Sprintf("learner%d@example.com", i), "password": "correct horse battery"}
			if _, err := c.call("POST", "/api/v1/register", account, nil); err != nil {
				t.Errorf("register: %v", err)
				return
			}
			var out struct{ Token string }
			if _, err := c.call("POST", "/api/v1/login", account, &out); err != nil || out.Token == "" {
				t.Errorf("login: %v", err)
			}
			tokens[i] = out.Token
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	l := &ledger{attempts: map[string]ackedAttempt{}}
	for round := 1; round <= 3; round++ {
		before := l.counts()
		kill := runLoad(t, p, co, tokens, examClients, l)
		acked := l.counts()
		checkDB(t, data, database, "after SIGKILL")
		t.Logf("round %d: killed %s after the load began; %d submissions and %d certificates acknowledged (%d and %d in all)",
			round, kill.Round(time.Millisecond), acked.attempts-before.attempts, acked.certs-before.certs, acked.attempts, acked.certs)
		p = startProc(t, bin, args...)
		if !l.verify(t, p, co) {
			t.FailNow()
		}
	}
	must(t, p.cmd.Process.Signal(syscall.SIGTERM))
	if code := p.exit(t, shutdownGrace); code != 0 {
		t.Fatalf("exit %d after SIGTERM", code)
	}
	checkDB(t, data, database, "after the last shutdown")
	t.Logf("took %s", time.Since(started).Round(time.Millisecond))
}

// checkDB runs PRAGMA integrity_check on the SQLite database of a stopped
// server (nothing on PostgreSQL: database is set).
func checkDB(t *testing.T, data, database, when string) {
	t.Helper()
	if database != "" {
		return
	}
	if err := store.CheckFile(context.Background(), filepath.Join(data, store.FileName)); err != nil {
		t.Fatalf("%s: %v", when, err)
	}
}

// ackedAttempt is a submission the server answered with 200.
type ackedAttempt struct {
	token string
	score int
	// other answers, which would score differently: all right after a
	// score below 100, none after 100.
	other map[string][]string
}

// ledger records everything the server acknowledged.
type ledger struct {
	mu       sync.Mutex
	attempts map[string]ackedAttempt // attempt id ->
	certs    []string
	// armed, when set, runs once right after the next acknowledgement
	// was recorded: the kill.
	armed atomic.Pointer[func()]
}

type ledgerCounts struct{ attempts, certs int }

func (l *ledger) counts() ledgerCounts {
	l.mu.Lock()
	defer l.mu.Unlock()
	return ledgerCounts{len(l.attempts), len(l.certs)}
}

func (l *ledger) ack(attempt string, a ackedAttempt, cert string) {
	l.mu.Lock()
	l.attempts[attempt] = a
	if cert != "" {
		l.certs = append(l.certs, cert)
	}
	l.mu.Unlock()
	if f := l.armed.Swap(nil); f != nil {
		(*f)()
	}
}

// loadClient talks to one server process. Any transport error ends the
// client: that is the kill.
type loadClient struct {
	http  *http.Client
	base  string
	token string
	co    *courses.Course
}

// errLoadStopped is a transport error: the server is gone.
var errLoadStopped = errors.New("load stopped")

// statusError is an answer other than 2xx.
type statusError struct {
	code int
	msg  string
}

func (e *statusError) Error() string { return e.msg }

func (c *loadClient) call(method, path string, body any, out any) (int, error) {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, r)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.http.Do(req)
	if err != nil {
		return 0, errLoadStopped
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, errLoadStopped // cut off mid-response: not acknowledged
	}
	if res.StatusCode/100 == 2 && out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return 0, fmt.Errorf("%s %s: %v: %s", method, path, err, b)
		}
	}
	if res.StatusCode/100 != 2 {
		return res.StatusCode, &statusError{res.StatusCode, fmt.Sprintf("%s %s: %d %s", method, path, res.StatusCode, b)}
	}
	return res.StatusCode, nil
}

type startedAttempt struct {
	AttemptID string      `json:"attempt_id"`
	Questions []shownItem `json:"questions"`
}

type submitResult struct {
	ScorePercent  int    `json:"score_percent"`
	Passed        bool   `json:"passed"`
	CertificateID string `json:"certificate_id"`
}

// answers returns the correct answers for the first n questions; the rest
// stay unanswered (wrong).
func (c *loadClient) answers(a startedAttempt, n int) map[string][]string {
	ans := map[string][]string{}
	for _, q := range a.Questions[:n] {
		cq, _ := c.co.Question(q.ID)
		for _, o := range cq.Options {
			if o.Correct {
				ans[q.ID] = append(ans[q.ID], q.token(o))
			}
		}
	}
	return ans
}

// attempt starts an attempt at path and submits it with `correct` right
// answers (all when -1), recording the acknowledged result.
func (c *loadClient) attempt(path string, correct int, l *ledger) (submitResult, error) {
	var a startedAttempt
	if _, err := c.call("POST", path, nil, &a); err != nil {
		return submitResult{}, err
	}
	if correct < 0 || correct > len(a.Questions) {
		correct = len(a.Questions)
	}
	var res submitResult
	if _, err := c.call("POST", "/api/v1/attempts/"+a.AttemptID+"/submit", map[string]any{"answers": c.answers(a, correct)}, &res); err != nil {
		return res, err
	}
	other := c.answers(a, len(a.Questions))
	if res.ScorePercent == 100 {
		other = map[string][]string{}
	}
	l.ack(a.AttemptID, ackedAttempt{c.token, res.ScorePercent, other}, res.CertificateID)
	return res, nil
}

// moduleLoop takes random module quizzes with a random number of right
// answers, so that the recorded scores differ.
func (c *loadClient) moduleLoop(l *ledger) error {
	for {
		m := c.co.Modules[rand.N(len(c.co.Modules))]
		if _, err := c.attempt("/api/v1/courses/"+c.co.ID+"/modules/"+m.ID+"/attempts", 1+rand.N(5), l); err != nil {
			return err
		}
	}
}

// examLoop passes every module quiz, then takes the final exam again and
// again, collecting certificates.
func (c *loadClient) examLoop(l *ledger) error {
	for {
		res, err := c.attempt("/api/v1/courses/"+c.co.ID+"/exam/attempts", -1, l)
		if se, ok := err.(*statusError); ok && se.code == 403 {
			for _, m := range c.co.Modules { // exam_locked: pass the modules first
				if _, err := c.attempt("/api/v1/courses/"+c.co.ID+"/modules/"+m.ID+"/attempts", -1, l); err != nil {
					return err
				}
			}
			continue
		}
		if err != nil {
			return err
		}
		if !res.Passed || res.CertificateID == "" {
			return fmt.Errorf("exam with all answers right: %+v", res)
		}
	}
}

// runLoad runs the clients against p, kills p with SIGKILL mid-load and
// waits until every client stopped. It returns when the kill came after
// the load began.
//
// The kill comes after a random delay, at the instant a client has
// received an acknowledgement while the other clients are mid-request:
// that is when a server that answers before it commits would lose the
// acknowledged write.
func runLoad(t *testing.T, p *proc, co *courses.Course, tokens []string, examClients int, l *ledger) time.Duration {
	t.Helper()
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: len(tokens)}}
	defer hc.CloseIdleConnections()
	var wg sync.WaitGroup
	var unexpected atomic.Pointer[error] // the first answer that was neither 2xx nor the kill
	firstUnexpected := func() error {
		if e := unexpected.Load(); e != nil {
			return *e
		}
		return nil
	}
	start := time.Now()
	base := l.counts().attempts
	for i, tok := range tokens {
		c := &loadClient{http: hc, base: p.url, token: tok, co: co}
		wg.Go(func() {
			var err error
			if i < examClients {
				err = c.examLoop(l)
			} else {
				err = c.moduleLoop(l)
			}
			if err != errLoadStopped {
				unexpected.CompareAndSwap(nil, &err)
			}
		})
	}
	fatal := func(format string, args ...any) {
		p.cmd.Process.Kill()
		wg.Wait()
		t.Fatalf(format, args...)
	}
	// Not before 20 new acknowledgements and a first certificate.
	deadline := time.Now().Add(20 * time.Second)
	for n := l.counts(); n.attempts-base < 20 || n.certs == 0; n = l.counts() {
		if time.Now().After(deadline) {
			fatal("no load got through: %v\n%s", firstUnexpected(), p.stderr.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(time.Duration(100+rand.N(900)) * time.Millisecond)
	var killed time.Duration
	kill := func() {
		p.cmd.Process.Signal(syscall.SIGKILL)
		killed = time.Since(start)
	}
	l.armed.Store(&kill)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		fatal("no acknowledgement to kill at: %v", firstUnexpected())
	}
	wg.Wait()
	if err := firstUnexpected(); err != nil {
		t.Fatalf("unexpected answer under load: %v", err)
	}
	return killed
}

// verify checks every acknowledged submission and certificate against a
// restarted server. Submitting again returns the first result unchanged, so
// a second submission with different answers must still give the recorded
// score (a lost submission would be graded anew; a lost attempt is 404).
func (l *ledger) verify(t *testing.T, p *proc, co *courses.Course) bool {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	defer hc.CloseIdleConnections()
	type job struct {
		id string
		a  ackedAttempt
	}
	jobs := make(chan job)
	var wg sync.WaitGroup
	var failures atomic.Int32
	for range 8 {
		wg.Go(func() {
			for j := range jobs {
				c := &loadClient{http: hc, base: p.url, token: j.a.token, co: co}
				var res submitResult
				_, err := c.call("POST", "/api/v1/attempts/"+j.id+"/submit", map[string]any{"answers": j.a.other}, &res)
				if err != nil || res.ScorePercent != j.a.score {
					if failures.Add(1) <= 5 {
						t.Errorf("acknowledged attempt %s (score %d) after restart: %+v %v", j.id, j.a.score, res, err)
					}
				}
			}
		})
	}
	for id, a := range l.attempts {
		jobs <- job{id, a}
	}
	close(jobs)
	wg.Wait()
	for _, id := range l.certs {
		var v struct{ Status string }
		code, b := apiCall(t, "GET", p.url+"/api/v1/verify/"+id, "", nil)
		if json.Unmarshal(b, &v); code != 200 || v.Status != "valid" {
			t.Errorf("acknowledged certificate %s after restart: %d %s", id, code, b)
		}
	}
	if n := failures.Load(); n > 0 {
		t.Errorf("%d of %d acknowledged submissions lost or changed", n, len(l.attempts))
	}
	return !t.Failed()
}
