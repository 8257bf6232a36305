package httpapi

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/jarvis/jarvis-auth/application/auth"
	"github.com/jarvis/jarvis-auth/domain/user"
)

// UseCases are the application's entry points the handlers call.
type UseCases struct {
	Register *auth.Register
	Login    *auth.Login
	Refresh  *auth.Refresh
	Me       *auth.Me
	Logout   *auth.Logout
}

// userJSON is the public shape of an account: no password, no hash.
type userJSON struct {
	ID        int64  `json:"id"`
	Email     string `json:"email"`
	Username  string `json:"username"`
	IsActive  bool   `json:"is_active"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

func toUserJSON(u user.User) userJSON {
	return userJSON{
		ID: int64(u.ID), Email: u.Email.String(), Username: u.Username.String(), IsActive: u.IsActive,
		CreatedAt: u.CreatedAt.UTC().Format(time.RFC3339), UpdatedAt: u.UpdatedAt.UTC().Format(time.RFC3339),
	}
}

type tokenJSON struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
}

func toTokenJSON(p auth.TokenPair) tokenJSON {
	return tokenJSON{AccessToken: p.AccessToken, RefreshToken: p.RefreshToken, TokenType: "bearer", ExpiresIn: int64(p.ExpiresIn / time.Second)}
}

type loginJSON struct {
	tokenJSON
	User userJSON `json:"user"`
}

// registerJSON has the user's fields at the top level (the brief: "returns
// user info") and the token fields (the mobile app signs in from it).
type registerJSON struct {
	userJSON
	tokenJSON
	User userJSON `json:"user"`
}

// noStore marks a response that carries tokens (RFC 6749 §5.1).
func noStore(c *fiber.Ctx) {
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderPragma, "no-cache")
}

type handlers struct{ uc UseCases }

func (h handlers) register(c *fiber.Ctx) error {
	var email, username, password *string
	if err := decodeObject(c.Body(), field{"email", true, &email}, field{"username", false, &username}, field{"password", true, &password}); err != nil {
		return err
	}
	out, err := h.uc.Register.Execute(c.UserContext(), auth.RegisterInput{Email: *email, Username: username, Password: *password})
	if err != nil {
		return err
	}
	noStore(c)
	u := toUserJSON(out.User)
	return c.JSON(registerJSON{userJSON: u, tokenJSON: toTokenJSON(out.Tokens), User: u})
}

func (h handlers) login(c *fiber.Ctx) error {
	var email, password *string
	if err := decodeObject(c.Body(), field{"email", true, &email}, field{"password", true, &password}); err != nil {
		return err
	}
	out, err := h.uc.Login.Execute(c.UserContext(), auth.LoginInput{Email: *email, Password: *password})
	if err != nil {
		return err
	}
	noStore(c)
	return c.JSON(loginJSON{tokenJSON: toTokenJSON(out.Tokens), User: toUserJSON(out.User)})
}

func (h handlers) refresh(c *fiber.Ctx) error {
	var tok *string
	if err := decodeObject(c.Body(), field{"refresh_token", true, &tok}); err != nil {
		return err
	}
	out, err := h.uc.Refresh.Execute(c.UserContext(), auth.RefreshInput{RefreshToken: *tok})
	if err != nil {
		return err
	}
	noStore(c)
	return c.JSON(toTokenJSON(out))
}

func (h handlers) logout(c *fiber.Ctx) error {
	var tok *string
	if err := decodeObject(c.Body(), field{"refresh_token", true, &tok}); err != nil {
		return err
	}
	if err := h.uc.Logout.Execute(c.UserContext(), auth.LogoutInput{RefreshToken: *tok}); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"detail": "Logged out"})
}

func (h handlers) me(c *fiber.Ctx) error {
	return c.JSON(toUserJSON(currentUser(c)))
}

// Readiness reports whether the service can serve: database reachable and
// migrations applied.
type Readiness func(ctx context.Context) error

func health(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

func ready(check Readiness) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
		defer cancel()
		if err := check(ctx); err != nil {
			c.Set(fiber.HeaderRetryAfter, "5")
			return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable"})
		}
		return c.JSON(fiber.Map{"status": "ok"})
	}
}
