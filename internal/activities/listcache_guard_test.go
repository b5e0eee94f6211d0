package activities

import (
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"slices"
	"testing"
)

// Every store method that can change what a public list shows must go
// through the invalidating wrapper, or cached lists go stale. A method
// added to Store fails this test until it is wrapped or listed here as
// one that leaves lists alone.
func TestListCacheWrapsEveryChange(t *testing.T) {
	leavesListsAlone := []string{
		// reads
		"Types", "TypeExists", "Get", "List", "Due", "SignupByKey", "ActiveSignup", "MySignups", "ActivityBriefs",
		"Seated", "SignupByID", "Roster", "DueReminders", "AdminList", "SignupsOf", "RefundedSince", "Formed", "ClubCalendar", "Counts", "MembersOnlySignups",
		// writes no list shows: the type catalog (a type in use cannot be
		// deleted, a new one has no activity), check-ins, reminders, orders
		"CreateType", "DeleteType", "CheckIn", "Remind", "AttachOrder",
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "listcache.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var wrapped []string
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Recv == nil || len(fd.Recv.List) != 1 {
			continue
		}
		if id, ok := fd.Recv.List[0].Type.(*ast.Ident); ok && id.Name == "invalidating" && fd.Name.IsExported() {
			wrapped = append(wrapped, fd.Name.Name)
		}
	}
	st := reflect.TypeFor[Store]()
	for i := range st.NumMethod() {
		name := st.Method(i).Name
		if !slices.Contains(wrapped, name) && !slices.Contains(leavesListsAlone, name) {
			t.Errorf("Store.%s is neither wrapped by invalidating (listcache.go) nor listed as leaving lists alone", name)
		}
	}
}
