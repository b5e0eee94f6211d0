// Checks of an image upload (avatars, activity covers) before it is sent,
// with the server's defaults: JPEG, PNG or WebP up to 2 MB. The server stays
// the authority and says so in its problem detail.

export const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp']
export const IMAGE_ACCEPT = IMAGE_TYPES.join(',')
export const MAX_IMAGE_BYTES = 2 * 1024 * 1024

/** Empty string when fine, otherwise the message to show. */
export function checkImage(f: File): string {
  if (!IMAGE_TYPES.includes(f.type)) return '仅支持 JPG、PNG 或 WebP 图片'
  if (f.size > MAX_IMAGE_BYTES) return '图片不能超过 2 MB'
  return ''
}
