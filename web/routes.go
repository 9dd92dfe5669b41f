package web

import (
	"github.com/gofiber/fiber/v2"

	"kipass/internal/store"
)

// routes lists every route of the app.
func (s *server) routes(app *fiber.App) {
	app.Get("/healthz", s.healthz)
	app.Get("/static/*", s.static())
	app.Get("/.well-known/jwks.json", s.jwks)
	app.Get("/status/1", s.statusList)

	api := app.Group("/api/v1", s.loadSession, s.csrf)
	api.Post("/register", s.apiRegister)
	api.Post("/login", s.apiLogin)
	api.Post("/logout", s.requireUser, s.apiLogout)
	api.Get("/me", s.requireUser, s.apiMe)
	api.Get("/courses", s.requireUser, s.apiCourses)
	api.Post("/courses/:course/exam/attempts", s.requireUser, s.apiStartAttempt)
	api.Post("/courses/:course/modules/:module/attempts", s.requireUser, s.apiStartAttempt)
	api.Post("/attempts/:attempt/submit", s.requireUser, s.apiSubmit)
	api.Get("/me/certificates", s.requireUser, s.apiMyCertificates)
	api.Get("/me/export", s.requireUser, s.exportMe)
	api.Delete("/me", s.requireUser, s.apiEraseMe)
	api.Get("/verify/:id", s.apiVerifyID)
	api.Post("/verify", s.apiVerify)
	api.Post("/admin/certificates/:id/revoke", requireRole(store.RoleAdmin), s.apiRevoke)
	api.Get("/hr/report", requireRole(store.RoleHR, store.RoleAdmin), s.apiHRReport)
	api.Get("/hr/assignments", requireRole(store.RoleHR, store.RoleAdmin), s.apiAssignments)
	api.Post("/hr/assignments", requireRole(store.RoleHR, store.RoleAdmin), s.apiCreateAssignment)
	api.Delete("/hr/assignments/:id", requireRole(store.RoleHR, store.RoleAdmin), s.apiDeleteAssignment)

	web := app.Group("", s.loadSession, s.language, s.csrf)
	web.Get("/", s.home)
	web.Get("/login", s.loginPage)
	web.Post("/login", s.loginForm)
	web.Get("/register", s.registerPage)
	web.Post("/register", s.registerForm)
	web.Post("/logout", s.logoutForm)
	web.Get("/invite", s.invitePage)
	web.Post("/invite", s.inviteForm)
	web.Get("/setup", s.setupPage)
	web.Post("/setup", s.setupForm)
	web.Get("/me", s.requirePageUser, s.mePage)
	web.Get("/me/export", s.requirePageUser, s.exportMe)
	web.Post("/me/delete", s.requirePageUser, s.eraseMeForm)
	web.Get("/courses/:course", s.coursePage)
	web.Get("/courses/:course/exam", s.examPage)
	web.Post("/courses/:course/exam", s.requirePageUser, s.startExamForm)
	web.Get("/courses/:course/:module", s.modulePage)
	web.Post("/courses/:course/:module/quiz", s.requirePageUser, s.startQuizForm)
	web.Get("/attempts/:attempt", s.requirePageUser, s.attemptPage)
	web.Post("/attempts/:attempt", s.requirePageUser, s.submitForm)
	web.Get("/certificates/:file", s.requirePageUser, s.certificateFile)
	web.Get("/verify", s.verifyPage)
	web.Post("/verify", s.verifyForm)
	web.Get("/verify/:id", s.verifyIDPage)
	web.Get("/admin", requireRole(store.RoleAdmin), s.adminPage)
	web.Post("/admin/certificates/:id/revoke", requireRole(store.RoleAdmin), s.revokeForm)
}
