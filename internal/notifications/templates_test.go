package notifications

import (
	"strings"
	"testing"
)

// Every type has a Chinese and an English text, with every placeholder
// filled from the parameters the producers pass; English is chosen only
// for an English locale. Every type but announcements goes out by WeChat
// by default; announcements stay in the inbox unless a user turns a
// channel on.
func TestNotificationTemplates(t *testing.T) {
	params := map[string]string{"club_name": "吉他社", "reason": "名额已满", "title": "周末篮球局", "start": "12月05日 10:00",
		"order_no": "ZJ1", "amount": "99.00", "target": "帖子", "result": "删除", "note": "无", "until": "（永久）",
		"kind": "帖子", "kind_en": "post", "subject": "周末约球", "summary": "平台将于周六凌晨维护"}
	for _, typ := range Types() {
		for _, locale := range []string{"", "zh-CN", "en", "en-US"} {
			title, body := render(typ, locale, params)
			if title == "" || body == "" || strings.ContainsAny(title+body, "{}") {
				t.Fatalf("%s/%s: %q %q", typ, locale, title, body)
			}
			if typ == TypeAnnouncement {
				// Staff write the title and text; only the frame is translated.
				if en := strings.HasPrefix(title, "Announcement: "); en != strings.HasPrefix(locale, "en") {
					t.Fatalf("%s/%s: title %q in the wrong language", typ, locale, title)
				}
				continue
			}
			ascii := strings.IndexFunc(title, func(r rune) bool { return r > 127 }) < 0
			if ascii != strings.HasPrefix(locale, "en") {
				t.Fatalf("%s/%s: title %q in the wrong language", typ, locale, title)
			}
		}
		if on := DefaultOn(typ, ChannelWeChat); on != (typ != TypeAnnouncement) {
			t.Fatalf("%s on WeChat by default: %v", typ, on)
		}
	}
	for _, c := range Channels() {
		if DefaultOn(TypeAnnouncement, c) {
			t.Fatalf("announcements go out by %s by default", c)
		}
	}
	if Type("nope").Valid() || Channel("fax").Valid() {
		t.Fatal("unknown type or channel accepted")
	}
}
