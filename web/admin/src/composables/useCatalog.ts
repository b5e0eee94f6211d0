import { onMounted, reactive, ref } from 'vue'
import type { Ref, UnwrapRef } from 'vue'
import { ElMessage } from 'element-plus'
import type { FormInstance } from 'element-plus'

/**
 * State and actions of a small catalog page (兴趣标签, 活动类型): the full list,
 * a create/edit dialog with a form, and deletion. API errors are shown by the
 * client (toasts with the server's detail), so the page only tracks state.
 */
export function useCatalog<T extends { id: string; name: string }, F extends object>(opts: {
  /** The dialog's el-form (a template ref of the page). */
  formRef: Ref<FormInstance | undefined>
  list: () => Promise<T[]>
  create: (body: F) => Promise<T>
  update: (id: string, body: F) => Promise<T>
  remove: (id: string) => Promise<unknown>
  /** Form values for a new item. */
  blank: () => F
  /** Form values for editing an item. */
  fromItem: (item: T) => F
  /** The request body from the form (trimmed). */
  toBody: (form: F) => F
}) {
  const items = ref([]) as Ref<T[]>
  const loading = ref(false)
  const failed = ref(false)
  const deleting = ref('')

  async function load() {
    loading.value = true
    failed.value = false
    try {
      items.value = await opts.list()
    } catch {
      failed.value = true
    } finally {
      loading.value = false
    }
  }
  onMounted(load)

  const dialogOpen = ref(false)
  const editing = ref(null) as Ref<T | null>
  const formRef = opts.formRef
  const form = reactive(opts.blank()) as UnwrapRef<F> & F
  const saving = ref(false)

  function fill(v: F) {
    Object.assign(form, v)
    dialogOpen.value = true
    formRef.value?.clearValidate()
  }

  function openCreate() {
    editing.value = null
    fill(opts.blank())
  }

  function openEdit(item: T) {
    editing.value = item
    fill(opts.fromItem(item))
  }

  async function save() {
    if (saving.value) return
    const ok = await formRef.value?.validate().catch(() => false)
    if (!ok) return
    saving.value = true
    const body = opts.toBody({ ...form } as F)
    try {
      if (editing.value) {
        const t = await opts.update(editing.value.id, body)
        const i = items.value.findIndex((x) => x.id === t.id)
        if (i >= 0) items.value[i] = t
        ElMessage.success('已保存')
      } else {
        items.value.push(await opts.create(body))
        ElMessage.success('已添加')
      }
      dialogOpen.value = false
    } catch {
      // shown by the client (duplicate name, …)
    } finally {
      saving.value = false
    }
  }

  async function remove(item: T) {
    deleting.value = item.id
    try {
      await opts.remove(item.id)
      items.value = items.value.filter((x) => x.id !== item.id)
      ElMessage.success(`已删除“${item.name}”`)
    } catch {
      // shown by the client (still in use, …)
    } finally {
      deleting.value = ''
    }
  }

  return { items, loading, failed, deleting, load, dialogOpen, editing, form, saving, openCreate, openEdit, save, remove }
}
