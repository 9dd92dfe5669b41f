package mail

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// received is one message as the test server got it.
type received struct {
	from string
	to   []string
	data []byte
	tls  bool
}

// credentials are what a client sent with AUTH PLAIN.
type credentials struct {
	identity, username, password string
}

// backend is an in-process go-smtp backend that records what it receives.
// The hooks, when set, decide the answers.
type backend struct {
	rcptErr  error                     // returned for every RCPT
	authErr  func(c credentials) error // decides AUTH; nil: accept
	dataHook func()                    // runs before DATA is read (to stall it)

	mu       sync.Mutex
	sessions int
	auths    []credentials
	messages []received
}

func (b *backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	b.mu.Lock()
	b.sessions++
	b.mu.Unlock()
	return &session{b: b, conn: c}, nil
}

func (b *backend) snapshot() (sessions int, auths []credentials, msgs []received) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sessions, append([]credentials(nil), b.auths...), append([]received(nil), b.messages...)
}

type session struct {
	b    *backend
	conn *smtp.Conn
	cur  received
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		c := credentials{identity, username, password}
		s.b.mu.Lock()
		s.b.auths = append(s.b.auths, c)
		s.b.mu.Unlock()
		if s.b.authErr != nil {
			return s.b.authErr(c)
		}
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.cur = received{from: from}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.b.rcptErr != nil {
		return s.b.rcptErr
	}
	s.cur.to = append(s.cur.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	if s.b.dataHook != nil {
		s.b.dataHook()
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.data = data
	_, s.cur.tls = s.conn.TLSConnectionState()
	s.b.mu.Lock()
	s.b.messages = append(s.b.messages, s.cur)
	s.b.mu.Unlock()
	return nil
}

func (s *session) Reset()        { s.cur = received{} }
func (s *session) Logout() error { return nil }

// serverOptions configure startServer.
type serverOptions struct {
	addr        string      // listen address; default 127.0.0.1:0
	startTLS    *tls.Config // offer STARTTLS with this config
	implicitTLS *tls.Config // wrap the listener in TLS
	insecure    bool        // AllowInsecureAuth
}

// startServer runs a go-smtp server for the test and returns its port.
func startServer(t *testing.T, b *backend, o serverOptions) int {
	t.Helper()
	if o.addr == "" {
		o.addr = "127.0.0.1:0"
	}
	l, err := net.Listen("tcp", o.addr)
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if o.implicitTLS != nil {
		l = tls.NewListener(l, o.implicitTLS)
	}
	srv := smtp.NewServer(b)
	srv.Domain = "mx.test"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.TLSConfig = o.startTLS
	srv.AllowInsecureAuth = o.insecure
	srv.ErrorLog = log.New(io.Discard, "", 0) // failed handshakes are expected
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(l); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
	}()
	t.Cleanup(func() {
		srv.Close()
		l.Close() // Close misses the listener when Serve has not started yet
		<-done
	})
	return port
}

// testCA is a self-signed certificate for 127.0.0.1 and localhost.
type testCA struct {
	server *tls.Config
	pool   *x509.CertPool
}

func newTestCA(t *testing.T) testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "kipass test smtp"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return testCA{
		server: &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		pool:   pool,
	}
}
