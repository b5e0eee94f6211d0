import { reactive } from 'vue'
import { api } from '../api'
import type { PublicUser } from '../api'

// Public profiles by id, fetched once each (applications name the applicant
// by id only).
const people = reactive<Record<string, PublicUser | null>>({})
const pending = new Set<string>()

export function usePeople() {
  function want(ids: string[]) {
    for (const id of ids) {
      if (id in people || pending.has(id)) continue
      pending.add(id)
      api
        .publicUser(id)
        .then((u) => (people[id] = u))
        .catch(() => (people[id] = null))
        .finally(() => pending.delete(id))
    }
  }
  const nickname = (id: string) => people[id]?.nickname ?? '用户'
  const avatar = (id: string) => people[id]?.avatar_url ?? ''
  return { people, want, nickname, avatar }
}
