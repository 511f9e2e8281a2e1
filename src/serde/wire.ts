/**
 * The types of what the codec carries, so that TypeScript refuses at compile time what the
 * codec would refuse at run time (a function, a symbol, a class instance) and says what arrives
 * (a Buffer arrives as a Uint8Array). Types only: nothing here exists at run time.
 *
 * Runtime handles (teams, memory regions, Darcs, arrays) travel as references. This folder
 * cannot import them (serde sits below every layer that defines them), so each layer adds its
 * own to `WireHandles` by declaration merging, as team.ts does for `AmContextTeams`.
 */

/**
 * Runtime handles that travel as references: each layer that defines one adds it here.
 * @example
 * ```ts
 * // Every handle type is assignable to WireHandle:
 * const h: WireHandle = world.team;
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- a declaration-merging target, empty on purpose
export interface WireHandles {}

/**
 * A runtime handle that travels as a reference: a Team, a memory region, a Darc or an array.
 * @example
 * ```ts
 * const handles: WireHandle[] = [world.team, await Darc.create(world, 0)];
 * ```
 */
export type WireHandle = WireHandles[keyof WireHandles];

/**
 * The typed arrays the codec carries (as their raw bytes, in one copy).
 * @example
 * ```ts
 * const t: WireTypedArray = new Float64Array([1, 2]);
 * ```
 */
export type WireTypedArray =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/**
 * The primitives the codec carries; `-0`, `NaN` and the infinities survive, and a bigint keeps
 * its full size.
 * @example
 * ```ts
 * const p: WirePrimitive[] = [undefined, null, true, 1.5, 2n ** 70n, 'text'];
 * ```
 */
export type WirePrimitive = undefined | null | boolean | number | bigint | string;

/**
 * The Wire values that hold no other Wire values: primitives, `Date`, `Error`, `ArrayBuffer`,
 * `DataView`, typed arrays and runtime handles.
 * @example
 * ```ts
 * const s: Wire = new Date(); // a WireScalar is a Wire
 * ```
 */
type WireScalar = WirePrimitive | Date | Error | ArrayBuffer | DataView | WireTypedArray | WireHandle;

/**
 * A value that AM arguments and results can carry: primitives, `Date`, `ArrayBuffer`,
 * `DataView`, typed arrays, arrays and plain records of Wire values, `Map` and `Set` of Wire
 * values, and runtime handles. Functions, symbols, promises and instances of other classes are
 * not Wire values: the codec refuses them with SERIALIZE at run time, and the bound on
 * `defineAm` refuses them at compile time.
 * @example
 * ```ts
 * const ok: Wire = { ids: [1, 2, 3], at: new Date(), seen: new Set(['a']), data: new Float64Array(4) };
 * ```
 */
export type Wire =
  | WireScalar
  | readonly Wire[]
  | { readonly [key: string]: Wire }
  | ReadonlyMap<Wire, Wire>
  | ReadonlySet<Wire>;

/**
 * The leaves of a Wire value that pass through WireCheck and WireReceived unchanged.
 * @example
 * ```ts
 * type L = WireCheck<Date>; // Date
 * ```
 */
type WireLeaf = WirePrimitive | void | Date | ArrayBuffer | DataView | WireTypedArray | WireHandle;

/**
 * What an Error of type `T` is on the PE that receives it: an instance of the built-in error
 * class it is or extends (a subclass of the program's own arrives as that built-in, with the
 * subclass's name), carrying its own enumerable data fields. The fields are optional: a
 * getter's value or a non-enumerable field (AggregateError's `errors`) is not sent.
 * @example
 * ```ts
 * type R = ReceivedError<Error & { code: string }>; // Error & { code?: string }
 * ```
 */
export type ReceivedError<T extends Error> = Error & {
  [K in keyof T as K extends keyof Error ? never : T[K] extends (...args: never[]) => unknown ? never : K]?: WireReceived<T[K]>;
};

/**
 * `T` with every part the codec cannot carry replaced by `never`: `T` is a Wire value exactly
 * when `T extends WireCheck<T>`. Unlike `Wire`, this accepts interfaces (which have no index
 * signature) and tuples, so argument types can be written the usual way. `any` and `unknown`
 * pass unchecked. A class instance whose fields are all data (no methods) looks like a plain
 * record to TypeScript and passes; the codec refuses it at run time. With `NoBuffer` true (an
 * AM's arguments) a `Buffer` is refused as well.
 * @example
 * ```ts
 * interface Args { from: number; tags: string[] }
 * type Ok = Args extends WireCheck<Args> ? true : false;                         // true
 * type Bad = { cb: () => void } extends WireCheck<{ cb: () => void }> ? true : false; // false
 * ```
 */
export type WireCheck<T, NoBuffer extends boolean = false> = 0 extends 1 & T
  ? T
  : unknown extends T
    ? T
    : // Wire itself (or wider): taken whole, since the mapped branches below would unfold the
      // recursive Wire type without end (TS2589). Not `T extends Wire`: an Error subclass with
      // methods is assignable to Wire's Error, and arrives as a built-in Error without them.
      [Wire] extends [T]
      ? T
      : // With NoBuffer (an AM's arguments), a Buffer is refused too: the AM's body would see,
        // under that name, the Uint8Array that arrives. Told apart as in WireReceived.
        [NoBuffer, T] extends [true, Uint8Array & { readBigUInt64LE(offset?: number): bigint }]
        ? never
        : T extends WireLeaf
          ? T
          : T extends (...args: never[]) => unknown
            ? never
            : T extends symbol
              ? never
              : T extends ReadonlyMap<infer K, infer V>
                ? ReadonlyMap<WireCheck<K, NoBuffer>, WireCheck<V, NoBuffer>>
                : T extends ReadonlySet<infer E>
                  ? ReadonlySet<WireCheck<E, NoBuffer>>
                  : T extends readonly unknown[]
                    ? { [I in keyof T]: WireCheck<T[I], NoBuffer> }
                    : T extends object
                      ? { [K in keyof T]: K extends symbol ? never : WireCheck<T[K], NoBuffer> }
                      : never;

/**
 * What a value of type `T` is on the PE that receives it: a `Buffer` (a Uint8Array subclass)
 * arrives as a plain `Uint8Array`, and readonly arrays, maps and sets arrive mutable (they are
 * the receiver's own copies). Everything else keeps its type. A Buffer is told apart by a method
 * only it has, not by naming `Buffer`: that type comes from @types/node, and in a project that does
 * not load it (TypeScript 6 and later load no `@types` package unless asked) an unresolved
 * `Buffer` is `any`, which every type extends, so every AM result was typed Uint8Array.
 * @example
 * ```ts
 * type R = WireReceived<{ bytes: Buffer; list: readonly number[] }>; // { bytes: Uint8Array; list: number[] }
 * ```
 */
export type WireReceived<T> = unknown extends T ? T : [Wire] extends [T] ? ReceivedWire : ReceivedParts<T>;

/**
 * What a value typed `Wire` (or wider) is on the PE that receives it: Wire with its containers
 * mutable. Written out, since mapping the recursive Wire type member by member never ends (TS2589).
 * @example
 * ```ts
 * type R = WireReceived<Wire>; // ReceivedWire
 * ```
 */
type ReceivedWire =
  | WireScalar
  | ReceivedWire[]
  | { [key: string]: ReceivedWire }
  | Map<ReceivedWire, ReceivedWire>
  | Set<ReceivedWire>;

/**
 * WireReceived of each member of a union `T`, part by part.
 * @example
 * ```ts
 * type R = WireReceived<Buffer | readonly number[]>; // Uint8Array | number[]
 * ```
 */
type ReceivedParts<T> = T extends Uint8Array & { readBigUInt64LE(offset?: number): bigint }
  ? Uint8Array
  : T extends WireLeaf
    ? T
    : T extends Error
      ? ReceivedError<T>
      : T extends ReadonlyMap<infer K, infer V>
        ? Map<WireReceived<K>, WireReceived<V>>
        : T extends ReadonlySet<infer E>
          ? Set<WireReceived<E>>
          : T extends readonly unknown[]
            ? { -readonly [I in keyof T]: WireReceived<T[I]> }
            : // A function (never sent: only execAmLocal, which copies nothing, returns one) and
              // the methods of a class instance keep their types.
              T extends (...args: never[]) => unknown
              ? T
              : T extends object
                ? { [K in keyof T]: WireReceived<T[K]> }
                : T;

declare const kWireError: unique symbol;

/**
 * What the compiler reports when an AM's arguments or result are not Wire values: the definition's
 * function must also be of this type, which no function is, so the message shows in the error.
 * @example
 * ```ts
 * // defineAm('bad', (ctx, a: { f: () => void }) => 1) fails with:
 * // ... is not assignable to type 'WireError<"the arguments of an AM must be a Wire value: ...">'
 * ```
 */
export interface WireError<Message extends string> {
  /**
   * The message, as a string literal type.
   * @example
   * ```ts
   * type M = 'the arguments of an AM must be a Wire value';
   * ```
   */
  readonly [kWireError]: Message;
}
