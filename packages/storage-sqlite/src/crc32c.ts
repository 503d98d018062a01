/**
 * CRC32C (Castagnoli), the checksum iSCSI, ext4 and etcd's WAL use. SQLite does not checksum its
 * pages, so a flipped bit in a row's bytes would otherwise be read back as valid data; every row
 * we store carries one of these. The slicing-by-16 implementation is core's
 * (`@raftkit/core/checksum`, a module of its own so the storage worker does not load all of core).
 */
import { createCrc32, CRC32_CASTAGNOLI } from '@raftkit/core/checksum';

/**
 * crc32c returns the CRC32C of `bytes`. Pass the result of an earlier call as `previous` to
 * continue over more bytes: `crc32c(b, crc32c(a))` equals the CRC of `a` then `b`.
 */
export const crc32c = createCrc32(CRC32_CASTAGNOLI);
