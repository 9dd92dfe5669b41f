package web

import (
	"context"
	"encoding/json"
	"net/url"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// serveDirect runs one request through the app's handler without a network.
func serveDirect(b *testing.B, h fasthttp.RequestHandler, path string, cookies map[string]string) {
	b.Helper()
	b.ReportAllocs()
	b.ResetTimer()
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		var ctx fasthttp.RequestCtx
		for pb.Next() {
			ctx.Request.Reset()
			ctx.Response.Reset()
			ctx.Request.SetRequestURI(path)
			ctx.Request.Header.SetMethod("GET")
			for k, v := range cookies {
				ctx.Request.Header.SetCookie(k, v)
			}
			h(&ctx)
			if ctx.Response.StatusCode() != 200 {
				b.Fatalf("status %d", ctx.Response.StatusCode())
			}
		}
	})
}

// learnerCookies registers a learner through the browser form; with
// quizState "open" the learner has started the module's quiz, with "graded"
// they have taken it once.
func learnerCookies(b *testing.B, a *testApp, quizState string) map[string]string {
	b.Helper()
	br := a.browser()
	br.post("/register", url.Values{"name": {"Erika"}, "email": {"erika@example.com"}, "password": {"correct horse battery"}})
	page := "/courses/" + courseID + "/dsgvo-grundlagen"
	if quizState != "" {
		br.post(page+"/quiz", url.Values{})
	}
	if quizState == "graded" {
		u, _ := a.db.UserByEmail(context.Background(), "erika@example.com")
		att, err := a.db.OpenAttempt(context.Background(), u.ID, courseID, "dsgvo-grundlagen")
		if err != nil {
			b.Fatal(err)
		}
		br.post("/attempts/"+att.ID, url.Values{})
	}
	cookies := map[string]string{}
	for n, c := range br.cookies {
		cookies[n] = c.Value
	}
	return cookies
}

// BenchmarkModulePage measures the module page for a logged-in learner who
// has taken the quiz: session check, module state, and the page assembled
// from the pre-rendered shell and module text.
func BenchmarkModulePage(b *testing.B) {
	a := newTestApp(&testing.T{}, nil)
	serveDirect(b, a.app.Handler(), "/courses/"+courseID+"/dsgvo-grundlagen", learnerCookies(b, a, "graded"))
}

// BenchmarkModulePageQuizOpen is the same page with the quiz form.
func BenchmarkModulePageQuizOpen(b *testing.B) {
	a := newTestApp(&testing.T{}, nil)
	serveDirect(b, a.app.Handler(), "/courses/"+courseID+"/dsgvo-grundlagen", learnerCookies(b, a, "open"))
}

// BenchmarkModulePageAnonymous is the same page without a session.
func BenchmarkModulePageAnonymous(b *testing.B) {
	a := newTestApp(&testing.T{}, nil)
	serveDirect(b, a.app.Handler(), "/courses/"+courseID+"/dsgvo-grundlagen", nil)
}

// BenchmarkBareHandler sends the same bytes from a bare fiber handler: the
// upper bound for any page of this size.
func BenchmarkBareHandler(b *testing.B) {
	a := newTestApp(&testing.T{}, nil)
	page := a.do(req{method: "GET", path: "/courses/" + courseID + "/dsgvo-grundlagen?lang=de"}).body
	bare := fiber.New(fiber.Config{DisableStartupMessage: true})
	bare.Get("/*", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		return c.SendString(page)
	})
	serveDirect(b, bare.Handler(), "/courses/"+courseID+"/dsgvo-grundlagen", nil)
}

// BenchmarkSubmit grades and stores module quiz submissions: each iteration
// starts an attempt and submits it (two write transactions).
func BenchmarkSubmit(b *testing.B) {
	a := newTestApp(&testing.T{}, nil)
	tok := a.apiUser("bench@example.com")
	cat := realCatalog(&testing.T{})
	h := a.app.Handler()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		s, r := a.start(tok, modulePath("dsgvo-grundlagen"))
		if r.status != 201 {
			b.Fatal(r.body)
		}
		body, _ := json.Marshal(map[string]any{"answers": key(cat, s.Questions, true)})
		var ctx fasthttp.RequestCtx
		ctx.Request.SetRequestURI("/api/v1/attempts/" + s.AttemptID + "/submit")
		ctx.Request.Header.SetMethod("POST")
		ctx.Request.Header.SetContentType("application/json")
		ctx.Request.Header.Set("Authorization", "Bearer "+tok)
		ctx.Request.SetBody(body)
		h(&ctx)
		if ctx.Response.StatusCode() != 200 {
			b.Fatalf("%d %s", ctx.Response.StatusCode(), ctx.Response.Body())
		}
	}
}
