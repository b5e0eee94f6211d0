package notificationshttp

import (
	"reflect"
	"strings"
	"testing"

	"github.com/zuju/zuju/internal/notifications"
)

// The documented types of the inbox and the preferences are the module's
// types, in the order the apps show them.
func TestTypeEnumsListEveryType(t *testing.T) {
	var want []string
	for _, typ := range notifications.Types() {
		want = append(want, string(typ))
	}
	for _, v := range []any{NotificationDTO{}, NotificationPreferenceDTO{}} {
		f, _ := reflect.TypeOf(v).FieldByName("Type")
		if got := strings.Split(f.Tag.Get("enum"), ","); !reflect.DeepEqual(got, want) {
			t.Fatalf("%T type enum %v, want %v", v, got, want)
		}
	}
}
