package main

import (
	"bytes"
	"context"
	"database/sql"
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
// check is PostgreSQL's own business, and a second instance B runs beside
// the one killed (A): 4 clients of their own take quizzes on B throughout,
// and every request to B must succeed, during and after A's death; the
// submissions A was answering when it died are sent again to B (as a
// proxy or the client would), and afterwards the certificates in the
// database are exactly the acknowledged ones, none twice.
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

	var b *proc // the instance that keeps serving (PostgreSQL)
	var bTokens []string
	if database != "" {
		b = startProc(t, bin, args...)
		for i := range 4 {
			c := &loadClient{http: http.DefaultClient, base: b.url}
			account := map[string]string{"name": fmt.Sprint("B learner ", i), "email": fmt.Sprintf("b%d@example.com", i), "password": "correct horse battery"}
			var out struct{ Token string }
			if _, err := c.call("POST", "/api/v1/register", account, nil); err != nil {
				t.Fatalf("register on B: %v", err)
			}
			if _, err := c.call("POST", "/api/v1/login", account, &out); err != nil {
				t.Fatalf("login on B: %v", err)
			}
			bTokens = append(bTokens, out.Token)
		}
	}

	l := &ledger{attempts: map[string]ackedAttempt{}}
	for round := 1; round <= 3; round++ {
		before := l.counts()
		var bLoad *sideLoad
		if b != nil {
			bLoad = startSideLoad(b, co, bTokens, l)
		}
		kill := runLoad(t, p, co, tokens, examClients, l)
		if bLoad != nil {
			retried := l.failOver(t, b, co)
			bLoad.after(t, 10)
			t.Logf("round %d: B served %d submissions, %d of them after A's death; %d of A's unanswered submissions answered by B",
				round, bLoad.acks.Load(), bLoad.acks.Load()-bLoad.atKill, retried)
		}
		l.pending = nil // on SQLite nobody answers them: they were not acknowledged
		acked := l.counts()
		checkDB(t, data, database, "after SIGKILL")
		t.Logf("round %d: killed %s after the load began; %d submissions and %d certificates acknowledged (%d and %d in all)",
			round, kill.Round(time.Millisecond), acked.attempts-before.attempts, acked.certs-before.certs, acked.attempts, acked.certs)
		p = startProc(t, bin, args...)
		if !l.verify(t, p, co) {
			t.FailNow()
		}
		if database != "" {
			l.certificatesOnce(t, database)
		}
	}
	for _, q := range []*proc{p, b} {
		if q == nil {
			continue
		}
		must(t, q.cmd.Process.Signal(syscall.SIGTERM))
		if code := q.exit(t, shutdownGrace); code != 0 {
			t.Fatalf("exit %d after SIGTERM", code)
		}
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
	// pending are the submissions sent but not answered: the server died
	// while they were in flight.
	pending []pendingSubmit
}

// pendingSubmit is a submission without an answer.
type pendingSubmit struct {
	token   string
	attempt startedAttempt
	answers map[string][]string
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
	// stop, when set, ends the client's loop before its next attempt
	// (errStopped); acks counts its acknowledged submissions.
	stop *atomic.Bool
	acks *atomic.Int64
}

// errStopped ends a client that was told to stop.
var errStopped = errors.New("told to stop")

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
	answers := c.answers(a, correct)
	if _, err := c.call("POST", "/api/v1/attempts/"+a.AttemptID+"/submit", map[string]any{"answers": answers}, &res); err != nil {
		if err == errLoadStopped {
			l.mu.Lock()
			l.pending = append(l.pending, pendingSubmit{c.token, a, answers})
			l.mu.Unlock()
		}
		return res, err
	}
	c.ack(a, res, l)
	return res, nil
}

// ack records an acknowledged submission of a in the ledger.
func (c *loadClient) ack(a startedAttempt, res submitResult, l *ledger) {
	other := c.answers(a, len(a.Questions))
	if res.ScorePercent == 100 {
		other = map[string][]string{}
	}
	if c.acks != nil {
		c.acks.Add(1)
	}
	l.ack(a.AttemptID, ackedAttempt{c.token, res.ScorePercent, other}, res.CertificateID)
}

// moduleLoop takes random module quizzes with a random number of right
// answers, so that the recorded scores differ.
func (c *loadClient) moduleLoop(l *ledger) error {
	for {
		if c.stop != nil && c.stop.Load() {
			return errStopped
		}
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

// sideLoad is the clients on the instance that is not killed.
type sideLoad struct {
	stop   atomic.Bool
	acks   atomic.Int64
	atKill int64 // acks when A had died
	wg     sync.WaitGroup
	hc     *http.Client
	mu     sync.Mutex
	err    error // the first failure; none is allowed
}

// startSideLoad runs a module-quiz client per token against b.
func startSideLoad(b *proc, co *courses.Course, tokens []string, l *ledger) *sideLoad {
	sl := &sideLoad{hc: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: len(tokens)}}}
	for _, tok := range tokens {
		c := &loadClient{http: sl.hc, base: b.url, token: tok, co: co, stop: &sl.stop, acks: &sl.acks}
		sl.wg.Go(func() {
			if err := c.moduleLoop(l); err != errStopped {
				sl.mu.Lock()
				if sl.err == nil {
					sl.err = err
				}
				sl.mu.Unlock()
			}
		})
	}
	return sl
}

// after is called once A has died: it lets B's clients go on until they
// got at least n more acknowledgements, stops them, and fails on any
// request to B that did not succeed.
func (sl *sideLoad) after(t *testing.T, n int64) {
	t.Helper()
	sl.atKill = sl.acks.Load()
	deadline := time.Now().Add(10 * time.Second)
	for sl.acks.Load()-sl.atKill < n && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	sl.stop.Store(true)
	sl.wg.Wait()
	sl.hc.CloseIdleConnections()
	if sl.err != nil {
		t.Fatalf("a request to B failed while A died: %v", sl.err)
	}
	if got := sl.acks.Load() - sl.atKill; got < n {
		t.Fatalf("B acknowledged %d submissions in 10 s after A's death, want %d", got, n)
	}
}

// failOver sends the submissions A died with again to b, with the same
// answers: each must be answered (once recorded, A's result; else graded
// now) and is then acknowledged. It returns how many there were.
func (l *ledger) failOver(t *testing.T, b *proc, co *courses.Course) int {
	t.Helper()
	l.mu.Lock()
	pending := l.pending
	l.pending = nil
	l.mu.Unlock()
	for _, ps := range pending {
		c := &loadClient{http: http.DefaultClient, base: b.url, token: ps.token, co: co}
		var res submitResult
		if _, err := c.call("POST", "/api/v1/attempts/"+ps.attempt.AttemptID+"/submit", map[string]any{"answers": ps.answers}, &res); err != nil {
			t.Fatalf("A's unanswered submission sent to B: %v", err)
		}
		c.ack(ps.attempt, res, l)
	}
	return len(pending)
}

// certificatesOnce checks the database against the ledger: every
// certificate there was acknowledged, none is missing, and no attempt has
// two.
func (l *ledger) certificatesOnce(t *testing.T, database string) {
	t.Helper()
	db, err := sql.Open("pgx", database)
	must(t, err)
	defer db.Close()
	var twice int
	must(t, db.QueryRow(`SELECT count(*) FROM (SELECT attempt_id FROM certificates GROUP BY attempt_id HAVING count(*) > 1) x`).Scan(&twice))
	rows, err := db.Query(`SELECT id FROM certificates`)
	must(t, err)
	defer rows.Close()
	inDB := map[string]bool{}
	for rows.Next() {
		var id string
		must(t, rows.Scan(&id))
		inDB[id] = true
	}
	must(t, rows.Err())
	l.mu.Lock()
	defer l.mu.Unlock()
	acked := map[string]bool{}
	for _, id := range l.certs {
		acked[id] = true
	}
	// A learner who passes again gets the certificate they hold, so an id
	// may be acknowledged several times; it is in the database once.
	if twice > 0 || len(inDB) != len(acked) {
		t.Fatalf("certificates: %d attempts with two, %d in the database, %d acknowledged", twice, len(inDB), len(acked))
	}
	for id := range acked {
		if !inDB[id] {
			t.Fatalf("acknowledged certificate %s is not in the database", id)
		}
	}
}
