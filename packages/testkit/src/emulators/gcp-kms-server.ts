// An in-process Google Cloud KMS on loopback: a gRPC
// server built at runtime from the service.proto shipped with @google-cloud/kms, so request and
// response shapes are the installed client's. Key rings, crypto keys with versions, primary version,
// ENABLED / DISABLED / DESTROY_SCHEDULED / DESTROYED states, AES-256-GCM per version, CRC32C integrity
// fields checked and filled, and the service's gRPC status codes. Unlisted RPCs answer UNIMPLEMENTED.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { crc32c } from '@strongroom/kms';

export type VersionState = 'ENABLED' | 'DISABLED' | 'DESTROY_SCHEDULED' | 'DESTROYED';

interface Version {
  readonly n: number;
  state: VersionState;
  material: Buffer | undefined;
}
interface Key {
  readonly name: string;
  readonly createTime: { seconds: string; nanos: number };
  primary: number;
  readonly versions: Version[];
  /** Tags ciphertexts, so another key's ciphertext is refused before any decryption. */
  readonly tag: Buffer;
}

export interface GcpKmsServer {
  readonly port: number;
  /** `127.0.0.1:<port>`, the value of GCP_KMS_ENDPOINT. */
  readonly endpoint: string;
  /** Creates the key ring if needed and a key with one enabled primary version; returns its name. */
  createKey(keyRing: string, keyId: string): string;
  /** Adds an enabled version (not primary); returns its number. */
  addVersion(keyName: string): number;
  setPrimary(keyName: string, version: number): void;
  /** Sets a version's state; DESTROYED also erases its key material, as the service does. */
  setState(keyName: string, version: number, state: VersionState): void;
  stop(): Promise<void>;
}

const pkgRoot = (req: NodeJS.Require, mod: string): string => {
  let d = dirname(req.resolve(mod));
  while (!existsSync(join(d, 'package.json'))) d = dirname(d);
  return d;
};

const now = () => ({ seconds: String(Math.floor(Date.now() / 1000)), nanos: 0 });
const fail = (code: grpc.status, details: string) => Object.assign(new Error(details), { code, details });
const crcOk = (data: Buffer, w: { value?: string | number } | null | undefined): boolean =>
  w?.value === undefined || w.value === null || Number(w.value) === crc32c(data);
const HEADER = 16 + 4 + 12 + 16; // key tag, version, IV, GCM tag

type Handler = (req: Record<string, unknown>) => unknown;

/** Starts the server on a free 127.0.0.1 port. */
export async function startGcpKmsServer(): Promise<GcpKmsServer> {
  const req = createRequire(import.meta.url);
  const def = protoLoader.loadSync('google/cloud/kms/v1/service.proto', {
    includeDirs: [
      join(pkgRoot(req, '@google-cloud/kms'), 'build/protos'),
      join(pkgRoot(req, 'google-gax'), 'build/protos'),
    ],
    longs: String,
    enums: String,
    defaults: false,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    google: { cloud: { kms: { v1: { KeyManagementService: { service: grpc.ServiceDefinition } } } } };
  };
  const rings = new Map<string, { name: string; createTime: ReturnType<typeof now> }>();
  const keys = new Map<string, Key>();

  const versionName = (k: Key, v: Version) => `${k.name}/cryptoKeyVersions/${v.n}`;
  const versionMsg = (k: Key, v: Version) => ({
    name: versionName(k, v),
    state: v.state,
    protectionLevel: 'SOFTWARE',
    algorithm: 'GOOGLE_SYMMETRIC_ENCRYPTION',
    createTime: k.createTime,
  });
  const keyMsg = (k: Key) => ({
    name: k.name,
    purpose: 'ENCRYPT_DECRYPT',
    createTime: k.createTime,
    primary: versionMsg(k, k.versions[k.primary - 1]!),
    versionTemplate: { protectionLevel: 'SOFTWARE', algorithm: 'GOOGLE_SYMMETRIC_ENCRYPTION' },
  });
  const getKey = (name: string): Key => {
    const k = keys.get(name);
    if (!k) throw fail(grpc.status.NOT_FOUND, `CryptoKey ${name} not found.`);
    return k;
  };
  const splitVersion = (name: string): { key: Key; version: Version } => {
    const m = /^(.*)\/cryptoKeyVersions\/(\d+)$/.exec(name);
    const key = getKey(m ? m[1]! : name);
    const version = key.versions[(m ? Number(m[2]) : key.primary) - 1];
    if (!version) throw fail(grpc.status.NOT_FOUND, `CryptoKeyVersion ${name} not found.`);
    return { key, version };
  };
  const usable = (k: Key, v: Version): Buffer => {
    if (v.state !== 'ENABLED' || !v.material)
      throw fail(
        grpc.status.FAILED_PRECONDITION,
        `The request cannot be fulfilled. Resource ${versionName(k, v)} has value ${v.state} in field crypto_key_version.state.`,
      );
    return v.material;
  };
  const newKey = (parent: string, id: string): Key => {
    if (!rings.has(parent)) throw fail(grpc.status.NOT_FOUND, `KeyRing ${parent} not found.`);
    const name = `${parent}/cryptoKeys/${id}`;
    if (keys.has(name)) throw fail(grpc.status.ALREADY_EXISTS, `CryptoKey ${name} already exists.`);
    const k: Key = { name, createTime: now(), primary: 1, versions: [], tag: randomBytes(16) };
    k.versions.push({ n: 1, state: 'ENABLED', material: randomBytes(32) });
    keys.set(name, k);
    return k;
  };

  const handlers: Record<string, Handler> = {
    CreateKeyRing: ({ parent, keyRingId }) => {
      const name = `${parent}/keyRings/${keyRingId}`;
      if (rings.has(name)) throw fail(grpc.status.ALREADY_EXISTS, `KeyRing ${name} already exists.`);
      const kr = { name, createTime: now() };
      rings.set(name, kr);
      return kr;
    },
    GetKeyRing: ({ name }) => {
      const kr = rings.get(String(name));
      if (!kr) throw fail(grpc.status.NOT_FOUND, `KeyRing ${name} not found.`);
      return kr;
    },
    CreateCryptoKey: ({ parent, cryptoKeyId, cryptoKey }) => {
      const purpose = (cryptoKey as { purpose?: string } | undefined)?.purpose ?? 'ENCRYPT_DECRYPT';
      if (purpose !== 'ENCRYPT_DECRYPT')
        throw fail(grpc.status.UNIMPLEMENTED, 'this emulator supports ENCRYPT_DECRYPT keys only');
      return keyMsg(newKey(String(parent), String(cryptoKeyId)));
    },
    GetCryptoKey: ({ name }) => keyMsg(getKey(String(name))),
    CreateCryptoKeyVersion: ({ parent }) => {
      const k = getKey(String(parent));
      const v: Version = { n: k.versions.length + 1, state: 'ENABLED', material: randomBytes(32) };
      k.versions.push(v);
      return versionMsg(k, v);
    },
    GetCryptoKeyVersion: ({ name }) => {
      const { key, version } = splitVersion(String(name));
      return versionMsg(key, version);
    },
    UpdateCryptoKeyVersion: ({ cryptoKeyVersion, updateMask }) => {
      const cv = cryptoKeyVersion as { name: string; state?: string };
      const { key, version } = splitVersion(cv.name);
      const paths = (updateMask as { paths?: string[] } | undefined)?.paths ?? [];
      if (paths.includes('state')) {
        if (cv.state !== 'ENABLED' && cv.state !== 'DISABLED')
          throw fail(grpc.status.INVALID_ARGUMENT, 'state can only be set to ENABLED or DISABLED');
        if (version.state !== 'ENABLED' && version.state !== 'DISABLED')
          throw fail(grpc.status.FAILED_PRECONDITION, `${versionName(key, version)} is ${version.state}`);
        version.state = cv.state;
      }
      return versionMsg(key, version);
    },
    DestroyCryptoKeyVersion: ({ name }) => {
      const { key, version } = splitVersion(String(name));
      if (version.state === 'DESTROYED' || version.state === 'DESTROY_SCHEDULED')
        throw fail(grpc.status.FAILED_PRECONDITION, `${versionName(key, version)} is ${version.state}`);
      version.state = 'DESTROY_SCHEDULED';
      return versionMsg(key, version);
    },
    UpdateCryptoKeyPrimaryVersion: ({ name, cryptoKeyVersionId }) => {
      const k = getKey(String(name));
      const v = k.versions[Number(cryptoKeyVersionId) - 1];
      if (!v)
        throw fail(
          grpc.status.NOT_FOUND,
          `CryptoKeyVersion ${name}/cryptoKeyVersions/${cryptoKeyVersionId} not found.`,
        );
      usable(k, v);
      k.primary = v.n;
      return keyMsg(k);
    },
    Encrypt: (r) => {
      const { key, version } = splitVersion(String(r.name));
      const plaintext = (r.plaintext as Buffer | undefined) ?? Buffer.alloc(0);
      const aad = (r.additionalAuthenticatedData as Buffer | undefined) ?? Buffer.alloc(0);
      if (plaintext.length === 0) throw fail(grpc.status.INVALID_ARGUMENT, 'plaintext is required');
      if (plaintext.length > 65536) throw fail(grpc.status.INVALID_ARGUMENT, 'plaintext larger than 64 KiB');
      if (
        !crcOk(plaintext, r.plaintextCrc32c as never) ||
        !crcOk(aad, r.additionalAuthenticatedDataCrc32c as never)
      )
        throw fail(
          grpc.status.INVALID_ARGUMENT,
          'The checksum in field plaintext_crc32c did not match the data in field plaintext.',
        );
      const material = usable(key, version);
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', material, iv);
      c.setAAD(aad);
      const body = Buffer.concat([c.update(plaintext), c.final()]);
      const ver = Buffer.alloc(4);
      ver.writeUInt32BE(version.n);
      const ciphertext = Buffer.concat([key.tag, ver, iv, c.getAuthTag(), body]);
      return {
        name: versionName(key, version),
        ciphertext,
        ciphertextCrc32c: { value: String(crc32c(ciphertext)) },
        verifiedPlaintextCrc32c: r.plaintextCrc32c != null,
        verifiedAdditionalAuthenticatedDataCrc32c: r.additionalAuthenticatedDataCrc32c != null,
        protectionLevel: 'SOFTWARE',
      };
    },
    Decrypt: (r) => {
      const name = String(r.name);
      if (/\/cryptoKeyVersions\//.test(name))
        throw fail(grpc.status.INVALID_ARGUMENT, 'Decrypt takes a CryptoKey name, not a CryptoKeyVersion.');
      const key = getKey(name);
      const ciphertext = (r.ciphertext as Buffer | undefined) ?? Buffer.alloc(0);
      const aad = (r.additionalAuthenticatedData as Buffer | undefined) ?? Buffer.alloc(0);
      if (!crcOk(ciphertext, r.ciphertextCrc32c as never))
        throw fail(
          grpc.status.INVALID_ARGUMENT,
          'The checksum in field ciphertext_crc32c did not match the data in field ciphertext.',
        );
      const invalid = () =>
        fail(grpc.status.INVALID_ARGUMENT, 'Decryption failed: the ciphertext is invalid.');
      if (ciphertext.length < HEADER || !ciphertext.subarray(0, 16).equals(key.tag)) throw invalid();
      const version = key.versions[ciphertext.readUInt32BE(16) - 1];
      if (!version) throw invalid();
      const material = usable(key, version);
      try {
        const d = createDecipheriv('aes-256-gcm', material, ciphertext.subarray(20, 32));
        d.setAuthTag(ciphertext.subarray(32, 48));
        d.setAAD(aad);
        const plaintext = Buffer.concat([d.update(ciphertext.subarray(48)), d.final()]);
        return {
          plaintext,
          plaintextCrc32c: { value: String(crc32c(plaintext)) },
          usedPrimary: version.n === key.primary,
          protectionLevel: 'SOFTWARE',
        };
      } catch {
        throw invalid();
      }
    },
  };

  const impl: grpc.UntypedServiceImplementation = {};
  for (const [method, fn] of Object.entries(handlers)) {
    impl[method] = (
      call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>,
      cb: grpc.sendUnaryData<unknown>,
    ) => {
      try {
        cb(null, fn(call.request));
      } catch (e) {
        const err = e as { code?: number };
        cb(err.code ? (e as grpc.ServiceError) : fail(grpc.status.INTERNAL, String(e)));
      }
    };
  }
  const server = new grpc.Server();
  server.addService(pkg.google.cloud.kms.v1.KeyManagementService.service, impl);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );

  const ensureRing = (ring: string) => {
    if (!rings.has(ring)) rings.set(ring, { name: ring, createTime: now() });
  };
  return {
    port,
    endpoint: `127.0.0.1:${port}`,
    createKey(keyRing, keyId) {
      ensureRing(keyRing);
      return newKey(keyRing, keyId).name;
    },
    addVersion(keyName) {
      const k = getKey(keyName);
      k.versions.push({ n: k.versions.length + 1, state: 'ENABLED', material: randomBytes(32) });
      return k.versions.length;
    },
    setPrimary(keyName, version) {
      const k = getKey(keyName);
      if (!k.versions[version - 1]) throw new Error(`no version ${version} of ${keyName}`);
      k.primary = version;
    },
    setState(keyName, version, state) {
      const v = getKey(keyName).versions[version - 1];
      if (!v) throw new Error(`no version ${version} of ${keyName}`);
      v.state = state;
      if (state === 'DESTROYED') v.material = undefined;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 1000).unref();
      }),
  };
}
