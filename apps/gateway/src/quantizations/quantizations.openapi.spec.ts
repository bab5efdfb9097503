import 'reflect-metadata';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { OPENAPI_DOCUMENT } from '../docs/openapi.document';
import { StoredModelsController } from '../stored-models/stored-models.controller';
import { QuantizationsController } from './quantizations.controller';

/** Every route of the quantization and stored-model controllers, as `METHOD /path/{param}`. */
function routesOf(controller: new (...args: never[]) => object): string[] {
  const prefix = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
  const proto = controller.prototype as Record<string, unknown>;
  return Object.getOwnPropertyNames(proto)
    .filter((name) => name !== 'constructor' && Reflect.getMetadata(PATH_METADATA, proto[name] as object) !== undefined)
    .map((name) => {
      const handler = proto[name] as object;
      const path = [prefix, String(Reflect.getMetadata(PATH_METADATA, handler))].filter((p) => p && p !== '/').join('/');
      return `${RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number]} /${path.replace(/^\/+/, '').replace(/:([A-Za-z]+)/g, '{$1}')}`;
    });
}

function refsIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refsIn(v, out));
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) k === '$ref' ? out.push(String(v)) : refsIn(v, out);
  }
  return out;
}

describe('OpenAPI description of the quantization API', () => {
  const routes = [...routesOf(QuantizationsController), ...routesOf(StoredModelsController)];

  it('finds the routes it checks', () => {
    expect(routes).toEqual(expect.arrayContaining(['POST /v1/quantizations', 'GET /v1/quantizations/{id}/report.svg', 'POST /v1/models/uploads', 'DELETE /v1/stored-models/{name}/{tag}']));
    expect(routes).toHaveLength(12);
  });

  it('describes every route, with its errors', () => {
    const paths = OPENAPI_DOCUMENT.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>;
    for (const route of routes) {
      const [method, path] = route.split(' ');
      const op = paths[path]?.[method.toLowerCase()];
      expect({ route, described: op !== undefined }).toEqual({ route, described: true });
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401']));
    }
  });

  it('refers only to schemas it defines', () => {
    const schemas = Object.keys(OPENAPI_DOCUMENT.components.schemas);
    for (const r of refsIn(OPENAPI_DOCUMENT)) expect(schemas).toContain(r.replace('#/components/schemas/', ''));
  });
});
