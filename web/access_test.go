package web

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"kipass/internal/store"
)

// Who may use a route.
const (
	accPublic = "public" // anyone, logged in or not
	accUser   = "user"   // any logged-in account; anonymous: 401 (API) or the login page
	accOwner  = "owner"  // the owner of the object; another employee gets 404
	accCert   = "cert"   // a certificate file: holder, HR and admins; another employee gets 404
	accHR     = "hr"     // hr and admin; employees 403
	accAdmin  = "admin"  // admin only; employees and HR 403
	accSCIM   = "scim"   // SCIM clients with a SCIM token only; everyone else 401
)

// accessTable lists every route. A new route must be added here, or this
// test fails: that is the point.
var accessTable = map[string]string{
	"GET /healthz":  accPublic,
	"GET /static/*": accPublic,
	"GET /courses/:course/:module/media/:name": accPublic,
	"GET /.well-known/jwks.json":               accPublic,
	"GET /status/1":                            accPublic,
	"GET /.well-known/jwks/:kid":               accPublic,
	"GET /.well-known/jwt-vc-issuer":           accPublic,
	"GET /verify/:id.jwt":                      accPublic,
	"GET /scim/v2/*":                           accSCIM,
	"POST /scim/v2/*":                          accSCIM,
	"PUT /scim/v2/*":                           accSCIM,
	"PATCH /scim/v2/*":                         accSCIM,
	"DELETE /scim/v2/*":                        accSCIM,

	"POST /api/v1/register":                                 accPublic,
	"POST /api/v1/login":                                    accPublic,
	"POST /api/v1/logout":                                   accUser,
	"GET /api/v1/me":                                        accUser,
	"GET /api/v1/courses":                                   accUser,
	"POST /api/v1/courses/:course/exam/attempts":            accUser,
	"POST /api/v1/courses/:course/modules/:module/attempts": accUser,
	"POST /api/v1/attempts/:attempt/submit":                 accOwner,
	"GET /api/v1/attempts/:attempt":                         accOwner,
	"PUT /api/v1/attempts/:attempt/answers":                 accOwner,
	"GET /api/v1/me/certificates":                           accUser,
	"GET /api/v1/me/export":                                 accUser,
	"DELETE /api/v1/me":                                     accUser,
	"GET /api/v1/verify/:id":                                accPublic,
	"POST /api/v1/verify":                                   accPublic,
	"POST /api/v1/admin/certificates/:id/revoke":            accAdmin,
	"DELETE /api/v1/admin/users/:id/oidc":                   accAdmin,
	"POST /api/v1/admin/scim/tokens":                        accAdmin,
	"DELETE /api/v1/admin/scim/tokens/:id":                  accAdmin,
	"GET /api/v1/hr/report":                                 accHR,
	"GET /api/v1/hr/assignments":                            accHR,
	"POST /api/v1/hr/assignments":                           accHR,
	"DELETE /api/v1/hr/assignments/:id":                     accHR,
	"POST /api/v1/hr/invitations":                           accHR,
	"GET /api/v1/hr/departments":                            accHR,
	"POST /api/v1/admin/departments":                        accAdmin,
	"GET /api/v1/admin/settings":                            accAdmin,
	"PUT /api/v1/admin/settings":                            accAdmin,
	"PUT /api/v1/admin/settings/logo":                       accAdmin,
	"POST /api/v1/admin/departments/rename":                 accAdmin,
	"POST /api/v1/admin/departments/merge":                  accAdmin,
	"POST /api/v1/hr/reminders":                             accHR,

	"GET /":                                accPublic,
	"GET /login":                           accPublic,
	"POST /login":                          accPublic,
	"GET /register":                        accPublic,
	"POST /register":                       accPublic,
	"POST /logout":                         accPublic,
	"POST /language":                       accPublic,
	"GET /invite":                          accPublic,
	"POST /invite":                         accPublic,
	"GET /setup":                           accPublic,
	"POST /setup":                          accPublic,
	"GET /me":                              accUser,
	"GET /me/export":                       accUser,
	"POST /me/delete":                      accUser,
	"GET /courses/:course":                 accPublic,
	"GET /courses/:course/exam":            accPublic,
	"POST /courses/:course/exam":           accUser,
	"GET /courses/:course/:module":         accPublic,
	"POST /courses/:course/:module/quiz":   accUser,
	"GET /attempts/:attempt":               accOwner,
	"POST /attempts/:attempt":              accOwner,
	"POST /attempts/:attempt/draft":        accOwner,
	"GET /attempts/:attempt/review":        accOwner,
	"GET /certificates/:file":              accCert,
	"GET /verify":                          accPublic,
	"POST /verify":                         accPublic,
	"GET /verify/:id":                      accPublic,
	"GET /privacy":                         accPublic,
	"GET /organisation/logo":               accPublic,
	"GET /hr":                              accHR,
	"GET /hr/evidence.pdf":                 accHR,
	"POST /hr/assignments":                 accHR,
	"POST /hr/assignments/:id/delete":      accHR,
	"POST /hr/invitations":                 accHR,
	"GET /admin/departments":               accAdmin,
	"POST /admin/departments":              accAdmin,
	"GET /hr/people/:id":                   accHR,
	"POST /hr/reminders":                   accHR,
	"GET /admin":                           accAdmin,
	"POST /admin/users":                    accAdmin,
	"GET /admin/users/:id":                 accAdmin,
	"POST /admin/users/:id":                accAdmin,
	"POST /admin/users/:id/reset":          accAdmin,
	"POST /admin/users/:id/erase":          accAdmin,
	"POST /admin/import":                   accAdmin,
	"GET /admin/certificates":              accAdmin,
	"POST /admin/certificates/:id/revoke":  accAdmin,
	"GET /admin/audit":                     accAdmin,
	"GET /password/forgot":                 accPublic,
	"POST /password/forgot":                accPublic,
	"GET /password/reset":                  accPublic,
	"POST /password/reset":                 accPublic,
	"POST /me/password":                    accUser,
	"POST /me/name":                        accUser,
	"GET /courses/:course/next":            accUser,
	"POST /admin/certificates/:id/reissue": accAdmin,
	"GET /auth/oidc/login":                 accPublic,
	"GET /auth/oidc/callback":              accPublic,
	"GET /admin/scim":                      accAdmin,
	"GET /admin/settings":                  accAdmin,
	"POST /admin/settings":                 accAdmin,
	"POST /admin/scim/tokens":              accAdmin,
	"POST /admin/scim/tokens/:id/revoke":   accAdmin,
}

func TestAccessMatrix(t *testing.T) {
	a := newTestApp(t, nil)
	owner := a.apiUser("erika@example.com")
	certID := passExam(t, a, owner)
	s, _ := a.start(owner, modulePath("dsgvo-grundlagen"))
	roles := map[string]string{
		"anonymous":      "",
		"owner":          owner,
		"other employee": a.apiUser("max@example.com"),
		"hr":             a.makeUser("hr@example.com", store.RoleHR),
		"admin":          a.makeUser("ada@example.com", store.RoleAdmin),
	}
	a.makeUser("ada2@example.com", store.RoleAdmin) // so the admin may delete itself in principle
	params := strings.NewReplacer(":course", courseID, ":module", "dsgvo-grundlagen", ":attempt", s.AttemptID,
		":file", certID+".pdf", ":id", certID, "*", "style.css", ":name", "grundsaetze.de.svg")
	hrParams := strings.NewReplacer(":id", "0")
	other, err := a.db.UserByEmail(context.Background(), "max@example.com")
	if err != nil {
		t.Fatal(err)
	}
	userParams := strings.NewReplacer(":id", fmt.Sprint(other.ID))

	seen := map[string]bool{}
	for _, r := range a.app.GetRoutes(true) {
		if r.Method == "HEAD" || r.Method == "USE" {
			continue
		}
		key := r.Method + " " + r.Path
		if seen[key] {
			continue
		}
		seen[key] = true
		access, ok := accessTable[key]
		if !ok {
			t.Errorf("route %s is not in the access table", key)
			continue
		}
		// Destructive self-service routes are checked for anonymous access
		// only; their owner paths have tests of their own.
		destructive := key == "DELETE /api/v1/me" || key == "POST /me/delete" || key == "POST /api/v1/logout" || key == "POST /logout"
		for _, role := range []string{"anonymous", "other employee", "hr", "admin", "owner"} {
			if destructive && role != "anonymous" {
				continue
			}
			path := params.Replace(r.Path)
			if strings.HasPrefix(r.Path, "/admin/users/") || strings.HasPrefix(r.Path, "/hr/people/") || strings.HasPrefix(r.Path, "/api/v1/admin/users/") {
				path = userParams.Replace(r.Path)
			}
			if strings.HasPrefix(r.Path, "/api/v1/hr/") || strings.HasPrefix(r.Path, "/hr/") && !strings.HasPrefix(r.Path, "/hr/people/") {
				path = hrParams.Replace(r.Path)
				if r.Method == "DELETE" || strings.HasSuffix(r.Path, "/delete") { // a fresh assignment for every caller
					id, err := a.db.CreateAssignment(context.Background(), store.Assignment{CourseID: courseID, Scope: store.ScopeAll, DueAt: time.Now()})
					if err != nil {
						t.Fatal(err)
					}
					path = strings.Replace(r.Path, ":id", fmt.Sprint(id), 1)
				}
			}
			if strings.Contains(r.Path, "/scim/tokens/:id") { // a fresh token for every caller
				id, err := a.db.CreateSCIMToken(context.Background(), "matrix", []byte(role+r.Path), store.Actor{Role: store.RoleSystem})
				if err != nil {
					t.Fatal(err)
				}
				path = strings.Replace(r.Path, ":id", fmt.Sprint(id), 1)
			}
			rq := req{method: r.Method, path: path, bearer: roles[role]}
			if r.Method == "POST" || r.Method == "DELETE" {
				rq.json = map[string]any{"reason": "matrix test", "answers": map[string]any{}}
			}
			res := a.do(rq)
			if res.status >= 500 {
				t.Errorf("%s as %s: %d", key, role, res.status)
				continue
			}
			toLogin := res.status == 303 && strings.HasPrefix(res.header.Get("Location"), "/login")
			if strings.HasSuffix(r.Path, "/login") && res.status == 401 {
				continue // wrong credentials: the login routes answer 401 by design
			}
			if why := checkAccess(access, role, res.status, toLogin); why != "" {
				t.Errorf("%s as %s: status %d: %s", key, role, res.status, why)
			}
		}
	}
	var missing []string
	for k := range accessTable {
		if !seen[k] {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("access table lists routes that do not exist: %v", missing)
	}
	_ = context.Background
}

// checkAccess says what is wrong with a status for a role, or "". It
// checks access, not business rules: a logged-in learner may still get 403
// for a locked exam or 400 for bad input.
func checkAccess(access, role string, status int, toLogin bool) string {
	denied := status == 401 || status == 403 || status == 404
	switch {
	case access == accSCIM:
		if status != 401 {
			return "reached SCIM without a SCIM token"
		}
	case access == accPublic:
		if role != "anonymous" && status == 401 {
			return "a public route refused a logged-in caller"
		}
	case role == "anonymous":
		// 403 is the CSRF check refusing a cookieless form post.
		if status < 300 || status == 404 || (status == 303 && !toLogin) {
			return "anonymous caller got through"
		}
	case access == accUser:
		if status == 401 || toLogin {
			return "a logged-in caller was sent to log in"
		}
	case access == accOwner:
		if role == "owner" && (denied || toLogin) {
			return "the owner was refused"
		}
		if role != "owner" && status != 404 {
			return fmt.Sprintf("%s reached someone else's object", role)
		}
	case access == accCert:
		if role == "other employee" && status != 404 {
			return "another employee reached the certificate"
		}
		if role != "other employee" && denied {
			return "holder, HR or admin was refused"
		}
	case access == accHR:
		if (role == "owner" || role == "other employee") && status != 403 {
			return "an employee reached an HR route"
		}
		if (role == "hr" || role == "admin") && denied {
			return "HR or admin was refused"
		}
	case access == accAdmin:
		if role != "admin" && status != 403 {
			return "a non-admin reached an admin route"
		}
		if role == "admin" && denied {
			return "the admin was refused"
		}
	}
	return ""
}
