/**
 * @module lib/ttl-cache
 *
 * The former name of {@link Cache} (lib/cache), kept for the modules that
 * still import it: a `Cache` given no cooldown is exactly the TTL cache this
 * was. New code imports `Cache` from lib/cache.
 */

export { Cache as TtlCache, type CacheOptions as TtlCacheOptions } from './cache.js';
