package users

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"

	"github.com/zuju/zuju/internal/platform/auth"
	"github.com/zuju/zuju/internal/platform/reqctx"
)

// SMSCodeSent tells the client when it may ask again and how long the code lives.
type SMSCodeSent struct {
	CooldownSeconds int
	ExpiresIn       int
}

// SendSMSCode sends a one-time code: one per phone per cooldown, limited per
// phone and per ip per hour. The code is stored only as an HMAC.
func (s *Service) SendSMSCode(ctx context.Context, phone, purpose string) (*SMSCodeSent, error) {
	if purpose != PurposeLogin && purpose != PurposeBind && purpose != PurposeRegister {
		return nil, ErrSMSPurpose
	}
	if purpose == PurposeBind {
		if _, err := auth.Require(ctx); err != nil {
			return nil, err
		}
	}
	p, ok := NormalizePhone(phone)
	if !ok {
		return nil, ErrInvalidPhone
	}
	ip := reqctx.From(ctx).ClientIP
	now := s.now()
	last, err := s.Store.LastSMSCode(ctx, p, purpose)
	if err != nil {
		return nil, err
	}
	if last != nil && now.Sub(last.CreatedAt) < s.s.SMSCooldown {
		return nil, ErrSMSCooldown.WithRetryAfter(s.s.SMSCooldown - now.Sub(last.CreatedAt))
	}
	if err := s.limit(ctx, "sms:ip:"+ip, s.s.SMSPerIP, ErrSMSCooldown); err != nil {
		return nil, err
	}
	if err := s.limit(ctx, "sms:phone:"+p, s.s.SMSPerPhone, ErrSMSCooldown); err != nil {
		return nil, err
	}
	code := sixDigits()
	c := &SMSCode{ID: newID(), Phone: p, Purpose: purpose, Hash: s.codeHash(p, purpose, code),
		ExpiresAt: now.Add(s.s.SMSCodeTTL), CreatedAt: now, IP: ip}
	if err := s.Store.CreateSMSCode(ctx, c); err != nil {
		return nil, err
	}
	if err := s.SMS.SendCode(ctx, p, purpose, code); err != nil {
		s.Logger.Error("sms send failed", "phone", MaskPhone(p), "err", err)
		return nil, ErrSMSSendFailed.Wrap(err)
	}
	return &SMSCodeSent{CooldownSeconds: int(s.s.SMSCooldown.Seconds()), ExpiresIn: int(s.s.SMSCodeTTL.Seconds())}, nil
}

// verifyCode checks a code against the latest one sent to phone for
// purpose: each guess spends one of the attempts first, so parallel guesses
// cannot exceed the limit; a right code is consumed exactly once.
func (s *Service) verifyCode(ctx context.Context, phone, purpose, code string) error {
	now := s.now()
	c, err := s.Store.LastSMSCode(ctx, phone, purpose)
	if err != nil {
		return err
	}
	if c == nil || c.ConsumedAt != nil || !now.Before(c.ExpiresAt) {
		return ErrSMSCodeInvalid
	}
	ok, err := s.Store.SpendSMSAttempt(ctx, c.ID, s.s.SMSMaxAttempts)
	if err != nil {
		return err
	}
	if !ok {
		return ErrSMSCodeExhausted
	}
	want := s.codeHash(phone, purpose, code)
	if subtle.ConstantTimeCompare([]byte(want), []byte(c.Hash)) != 1 {
		return ErrSMSCodeInvalid
	}
	consumed, err := s.Store.ConsumeSMSCode(ctx, c.ID, now)
	if err != nil {
		return err
	}
	if !consumed {
		return ErrSMSCodeInvalid
	}
	return nil
}

// SMSLogin signs in with a phone and code, creating the account on first login.
func (s *Service) SMSLogin(ctx context.Context, phone, code string) (*Tokens, error) {
	if err := s.limit(ctx, "login:ip:"+reqctx.From(ctx).ClientIP, s.s.LoginPerIP, ErrTooManyAttempts); err != nil {
		return nil, err
	}
	p, ok := NormalizePhone(phone)
	if !ok {
		return nil, ErrInvalidPhone
	}
	if len(code) != 6 {
		return nil, ErrSMSCodeInvalid
	}
	if err := s.verifyCode(ctx, p, PurposeLogin, code); err != nil {
		return nil, err
	}
	u, err := s.signInOrCreate(ctx, func() (*User, error) { return s.Store.UserByPhone(ctx, p) },
		&User{Phone: p, Nickname: "用户" + p[len(p)-4:]})
	if err != nil {
		return nil, err
	}
	return s.startSession(ctx, u)
}

// signInOrCreate loads the account with find, or creates fresh (a plain
// user) when there is none, and refuses banned accounts. Two first sign-ins
// racing each other end up in the one account the database let through.
func (s *Service) signInOrCreate(ctx context.Context, find func() (*User, error), fresh *User) (*User, error) {
	u, err := find()
	if errors.Is(err, ErrUserNotFound) {
		now := s.now()
		fresh.ID, fresh.Roles, fresh.Status, fresh.CreatedAt, fresh.UpdatedAt = newID(), []auth.Role{auth.RoleUser}, StatusActive, now, now
		if err := s.Store.CreateUser(ctx, fresh); err != nil {
			if !errors.Is(err, ErrAccountExists) {
				return nil, err
			}
			if u, err = find(); err != nil {
				return nil, err
			}
		} else {
			u = fresh
		}
	} else if err != nil {
		return nil, err
	}
	if err := s.checkBan(u); err != nil {
		return nil, err
	}
	return u, nil
}

// BindPhone attaches a verified phone to the caller's account (used by
// WeChat accounts).
func (s *Service) BindPhone(ctx context.Context, phone, code string) (*User, error) {
	pr, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	p, ok := NormalizePhone(phone)
	if !ok {
		return nil, ErrInvalidPhone
	}
	if err := s.verifyCode(ctx, p, PurposeBind, code); err != nil {
		return nil, err
	}
	return s.bindVerifiedPhone(ctx, pr.UserID, p)
}

// BindWeChatPhone attaches the phone a mini program user shared through
// the getPhoneNumber button (WeChat has verified it).
func (s *Service) BindWeChatPhone(ctx context.Context, code string) (*User, error) {
	pr, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if s.WeChat == nil {
		return nil, ErrWeChatDisabled
	}
	if code == "" || len(code) > 128 {
		return nil, ErrWeChatCode
	}
	phone, err := s.WeChat.PhoneNumber(ctx, code)
	if err != nil {
		return nil, err
	}
	p, ok := NormalizePhone(phone)
	if !ok {
		return nil, ErrInvalidPhone.WithDetail("暂不支持中国大陆以外的手机号")
	}
	return s.bindVerifiedPhone(ctx, pr.UserID, p)
}

func (s *Service) bindVerifiedPhone(ctx context.Context, userID, p string) (*User, error) {
	if other, err := s.Store.UserByPhone(ctx, p); err == nil && other.ID != userID {
		return nil, ErrPhoneTaken
	} else if err != nil && !errors.Is(err, ErrUserNotFound) {
		return nil, err
	}
	if err := s.Store.SetPhone(ctx, userID, p, s.now()); err != nil {
		return nil, fmt.Errorf("bind phone: %w", err)
	}
	return s.Store.UserByID(ctx, userID)
}

// WeChatLogin signs in with a wx.login code, creating the account on first login.
func (s *Service) WeChatLogin(ctx context.Context, code string) (*Tokens, error) {
	if s.WeChat == nil {
		return nil, ErrWeChatDisabled
	}
	if err := s.limit(ctx, "login:ip:"+reqctx.From(ctx).ClientIP, s.s.LoginPerIP, ErrTooManyAttempts); err != nil {
		return nil, err
	}
	if code == "" || len(code) > 128 {
		return nil, ErrWeChatCode
	}
	id, err := s.WeChat.Code2Session(ctx, code)
	if err != nil {
		return nil, err
	}
	suffix := id.OpenID
	if len(suffix) > 4 {
		suffix = suffix[len(suffix)-4:]
	}
	u, err := s.signInOrCreate(ctx, func() (*User, error) { return s.Store.UserByOpenID(ctx, id.OpenID) },
		&User{WeChatOpenID: id.OpenID, WeChatUnionID: id.UnionID, Nickname: "微信用户" + suffix})
	if err != nil {
		return nil, err
	}
	return s.startSession(ctx, u)
}
