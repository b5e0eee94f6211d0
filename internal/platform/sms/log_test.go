package sms

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestLogSender(t *testing.T) {
	var buf bytes.Buffer
	s := NewLog(slog.New(slog.NewJSONHandler(&buf, nil)))
	msg := Message{Phone: "+8613800001234", Template: "login_code", Params: map[string]string{"code": "654321"}}
	if err := s.Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	msg.Params["code"] = "changed" // the sender keeps its own copy

	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("log line %q: %v", buf.String(), err)
	}
	if line["level"] != "INFO" || line[DevCodeField] != "654321" || line["phone"] != "138****1234" || line["template"] != "login_code" {
		t.Errorf("log line = %v", line)
	}
	if strings.Contains(buf.String(), "13800001234") {
		t.Errorf("full phone logged: %s", buf.String())
	}

	for _, phone := range []string{"13800001234", "+8613800001234"} {
		got, ok := s.Last(phone)
		if !ok || got.Phone != "13800001234" || got.Template != "login_code" || got.Params["code"] != "654321" {
			t.Errorf("Last(%q) = %+v, %v", phone, got, ok)
		}
	}
	if _, ok := s.Last("13900001234"); ok {
		t.Error("Last of another phone found a message")
	}

	if err := s.Send(context.Background(), Message{Phone: "12345", Template: "login_code"}); !errors.Is(err, ErrInvalidPhone) {
		t.Errorf("invalid phone err = %v", err)
	}
	if err := s.Send(context.Background(), Message{Phone: "13800001234"}); err == nil {
		t.Error("empty template accepted")
	}
}

func TestMessageNeverPrintsCodeOrPhone(t *testing.T) {
	msg := Message{Phone: "13800001234", Template: "login_code", Params: map[string]string{"code": "654321"}}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("m", "msg", msg)
	for _, out := range []string{buf.String(), fmt.Sprint(msg), fmt.Sprintf("%+v", msg)} {
		if strings.Contains(out, "654321") || strings.Contains(out, "13800001234") {
			t.Errorf("printed %s", out)
		}
	}
}
