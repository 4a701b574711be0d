// flask-ldap-auth's hello app, on NestJS. Run it against your directory:
//   SECRET_KEY=... LDAP_AUTH_SERVER=ldaps://ldap.example.org LDAP_TOP_DN=ou=people,dc=example,dc=org \
//   npx tsx examples/nestjs/hello.ts
// Nest's decorators need "experimentalDecorators" in tsconfig.json (this repository has it). The
// adapter needs no dependency injection, so emitDecoratorMetadata (which tsx/esbuild lack) is
// not required by anything here.
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type AuthenticatedUser, fromEnv } from 'ldap-token-auth';
import { AuthUser, ldapTokenAuth } from 'ldap-token-auth/nestjs';

const auth = ldapTokenAuth(fromEnv()); // the token controller at /auth by default

@Controller()
class HelloController {
  @Get()
  @auth.LoginRequired() // or @auth.LoginRequired({ groups: ['admins'] })
  hello(@AuthUser() user: AuthenticatedUser): string {
    return `hello, ${user.username}`;
  }
}

@Module({ controllers: [auth.TokenController, HelloController] })
class AppModule {}

const app = await NestFactory.create(AppModule);
app.enableShutdownHooks();
await app.listen(Number(process.env.PORT ?? 5000), '127.0.0.1');
