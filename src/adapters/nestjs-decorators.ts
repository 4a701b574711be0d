// The NestJS adapter's decorators: requirements kept as route metadata, and the user parameter.
import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AuthenticatedUser } from '../core/types.js';
import type { Requirements } from '../http/requirements.js';

const REQUIREMENTS = 'ldap-token-auth:requirements';
const reflector = new Reflector();

/**
 * Requirements are kept as a list per route and per controller, and every entry must be met: a
 * controller's `@RequireAllGroups('staff')` and a method's `@RequireGroups('admins')` both apply,
 * as do two decorators on one method. Nest's `SetMetadata` alone would keep only one of them.
 */
export function requireAlso(requirements: Requirements) {
  return (target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const where = (descriptor?.value as object | undefined) ?? target;
    const earlier = reflector.get<Requirements[] | undefined>(REQUIREMENTS, where as never) ?? [];
    SetMetadata(REQUIREMENTS, [...earlier, requirements])(
      target,
      key as never,
      descriptor as never,
    );
  };
}

/** Every requirement on the route being guarded: its method's, then its controller's. */
export function requirementsOf(context: ExecutionContext): Requirements[] {
  return [context.getHandler(), context.getClass()].flatMap(
    (where) => reflector.get<Requirements[] | undefined>(REQUIREMENTS, where) ?? [],
  );
}

/**
 * Requirements for the route or controller it decorates, checked by the guard: members of any
 * of `groups`. A valid token outside them is a 403.
 */
export const RequireGroups = (...groups: string[]) => requireAlso({ groups });

/** As {@link RequireGroups}, but members of every one of `groups`. */
export const RequireAllGroups = (...groups: string[]) => requireAlso({ allGroups: groups });

/** Requirements for the route or controller it decorates: `{ groups, allGroups, check }`. */
export const Require = (requirements: Requirements) => requireAlso(requirements);

/** The parameter decorator for who presented the token: `hello(@AuthUser() user: AuthenticatedUser)`. */
export const AuthUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext) =>
    context.switchToHttp().getRequest<{ user?: AuthenticatedUser }>().user,
);
