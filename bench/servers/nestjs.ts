// The seed's hello app on NestJS (Express platform) with our adapter, imported by package name.
// Configured by the same environment variables as `ldap-token-auth serve`. Decorators are
// compiled by tsx (experimentalDecorators); nothing relies on emitDecoratorMetadata.
import 'reflect-metadata';
import { type CanActivate, Controller, Get, Module, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { fromEnv } from 'ldap-token-auth';
import { ldapTokenAuth } from 'ldap-token-auth/nestjs';

const auth = ldapTokenAuth(fromEnv());
// A guard that lets everything through: what any check costs Nest at least, since ours is a guard.
const noop: CanActivate = { canActivate: () => true };

@Controller()
class HelloController {
  @Get()
  @auth.LoginRequired()
  hello(): string {
    return 'hello, world';
  }

  @Get('public')
  open(): string {
    return 'hello, world';
  }

  @Get('noop')
  @UseGuards(noop)
  behindNoop(): string {
    return 'hello, world';
  }
}

@Module({ controllers: [auth.TokenController, HelloController] })
class AppModule {}

const app = await NestFactory.create(AppModule, { logger: false });
app.getHttpAdapter().getInstance().disable('x-powered-by');
await app.listen(Number(process.env.PORT), '127.0.0.1');
process.stdout.write(`READY ${process.env.PORT}\n`);
process.on('SIGTERM', () => {
  void app.close().then(() => auth.close());
});
